import Foundation
import RedisClient

/// The keys of login codes, wrong-code counters, lockouts and rate limits.
extension RedisKeys {
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
}
