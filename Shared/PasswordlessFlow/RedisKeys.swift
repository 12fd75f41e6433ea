import Foundation

/// Every Redis key the services use, in one place.
///
/// Each key carries a hash tag (`{…}`) so the layout works on Redis Cluster: the keys one script
/// touches share a tag (all queue keys share `{queue}`), and per-recipient keys are spread by
/// recipient so no slot gets hot. No key name holds an email address, a phone number or a
/// client address: those appear only as keyed HMACs (``RecipientTagger``).
public enum RedisKeys {
    /// The code hash of one recipient on one connection: `mac`, `exp` (ms), `attempts`, `user`.
    /// `tag` is the recipient's ``RecipientTagger`` tag: no address or number in a key name.
    public static func code(connection: UUID, tag: String) -> String {
        "pl:otp:{\(connection.uuidString.lowercased()):\(tag)}"
    }

    /// Wrong codes counted towards a lockout, for one recipient on one connection.
    public static func failures(connection: UUID, tag: String) -> String {
        "pl:fail:{\(connection.uuidString.lowercased()):\(tag)}"
    }

    /// Present (with a TTL) while a recipient is locked out after too many wrong codes.
    public static func lockout(connection: UUID, tag: String) -> String {
        "pl:lock:{\(connection.uuidString.lowercased()):\(tag)}"
    }

    /// The keys of versions before recipients were tagged, which named the recipient in clear.
    /// Codes stored under them are still checked (and replaced by a new start) so that an upgrade
    /// strands no live code; they are gone for good one code lifetime (at most a day) plus an
    /// hour after the upgrade, and nothing writes them any more.
    public enum Legacy {
        public static func code(connection: UUID, recipient: String) -> String {
            "pl:otp:{\(connection.uuidString.lowercased()):\(recipient)}"
        }
        public static func failures(connection: UUID, recipient: String) -> String {
            "pl:fail:{\(connection.uuidString.lowercased()):\(recipient)}"
        }
        public static func lockout(connection: UUID, recipient: String) -> String {
            "pl:lock:{\(connection.uuidString.lowercased()):\(recipient)}"
        }
    }

    /// A rate-limit bucket. All buckets of a tenant share its hash tag, so one script checks them.
    public static func rateLimit(tenant: UUID, _ name: String) -> String {
        "pl:rl:{\(tenant.uuidString.lowercased())}:\(name)"
    }

    /// An issued access token's userinfo, by the SHA-256 of the token.
    public static func accessToken(digest: String) -> String { "pl:at:{\(digest)}" }

    /// The delivery queue.
    public enum Queue {
        public static let pending = "pl:{queue}:pending"
        public static func processing(worker: String) -> String { processingPrefix + worker }
        /// The set of worker ids that may hold jobs in a processing list.
        public static let workers = "pl:{queue}:workers"
        /// Prefixes for the per-worker keys, as scripts build them.
        public static let processingPrefix = "pl:{queue}:processing:"
        public static let heartbeatPrefix = "pl:{queue}:heartbeat:"
        /// Exists (with a TTL) while the worker lives.
        public static func heartbeat(worker: String) -> String { heartbeatPrefix + worker }
        public static let scheduled = "pl:{queue}:scheduled"
        public static let dead = "pl:{queue}:dead"
    }
}
