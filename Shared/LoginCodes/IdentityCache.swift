import Foundation
import PasswordlessCore
import RedisClient

/// Who a recipient is on a connection, cached in Redis so that a returning user's
/// `/passwordless/start` needs no PostgreSQL at all: the user id and the blocked flag, never the
/// address or number (the key carries only the recipient's keyed HMAC), and, on connections with
/// sign-ups disabled, "no such user" too, so that someone who does not exist takes exactly the
/// path of someone who does (cache hit: Redis only; miss: one PostgreSQL read, then a fill).
///
/// Only ``UserDirectory`` writes entries. Its rule: a reader that missed fills with
/// ``fillCommand(_:entry:)`` (`SET … NX`); a writer first commits PostgreSQL, then
/// ``invalidate(_:)`` overwrites the entry with a tombstone that lives ``tombstoneMilliseconds``.
///
/// Why a reader cannot bring back what a writer changed: the dangerous reader read PostgreSQL
/// *before* the writer's commit and fills *after* it. If its fill lands before the writer's
/// tombstone, the tombstone (a plain `SET`) overwrites it. If it lands after, the tombstone is
/// there and `NX` refuses the fill — as long as the tombstone still lives, and it lives 10 s,
/// far longer than a reader can take between its read and its fill (the read is bounded by
/// `DEPENDENCY_TIMEOUT`, 2 s by default, and the fill follows at once). Readers treat a
/// tombstone as a miss, and once it expires the next miss fills from a PostgreSQL read made
/// after the commit. A user's creation may replace a "no such user" entry (``replaceCommand(_:entry:)``)
/// but never a tombstone, for the same reason.
public struct IdentityCache: Sendable {
    /// What an entry says.
    public enum Entry: Sendable, Equatable {
        /// The recipient is this user.
        case user(id: String, blocked: Bool)
        /// No such user (cached only for connections with sign-ups disabled).
        case absent
    }

    /// How long an entry lives (a day): the cache is invalidated on every change, so this only
    /// bounds the memory of people who stopped signing in.
    public static let defaultTTLMilliseconds: Int64 = 86_400_000
    /// How long a tombstone blocks fills: well beyond any dependency deadline (see above).
    public static let tombstoneMilliseconds: Int64 = 10_000
    static let tombstone = "t"

    let redis: RedisClient
    let tagger: RecipientTagger
    let ttlMilliseconds: Int64

    public init(redis: RedisClient, masterKey: MasterKey, ttlMilliseconds: Int64 = IdentityCache.defaultTTLMilliseconds) {
        self.redis = redis
        self.tagger = RecipientTagger(masterKey: masterKey)
        self.ttlMilliseconds = ttlMilliseconds
    }

    /// The key of `identifier` (a normalised email or number) on `connection`.
    public func key(connection: UUID, identifier: String) -> String {
        RedisKeys.identity(connection: connection, tag: tagger.tag(connection: connection, recipient: identifier))
    }

    /// The read, to send in a pipeline with other commands.
    public static func readCommand(_ key: String) -> RedisCommand { RedisCommand("GET", key) }

    /// The entry a read found; nil for a miss, a tombstone or anything unreadable.
    public static func entry(from reply: RESPValue) throws(RedisError) -> Entry? {
        guard let text = try reply.throwingServerError().string else { return nil }
        if text == "n" { return .absent }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "u", !parts[1].isEmpty, parts[2] == "0" || parts[2] == "1" else { return nil }
        return .user(id: String(parts[1]), blocked: parts[2] == "1")
    }

    /// Reads one entry.
    public func read(_ key: String) async throws(RedisError) -> Entry? {
        try Self.entry(from: try await redis.send(Self.readCommand(key)))
    }

    /// A reader's fill after a miss: only where nothing (not even a tombstone) is.
    public func fillCommand(_ key: String, entry: Entry) -> RedisCommand {
        RedisCommand("SET", key, Self.value(entry), "NX", "PX", ttlMilliseconds)
    }

    /// A creation's fill: replaces a "no such user" entry, never a tombstone.
    func replaceCommand(_ key: String, entry: Entry) -> RedisCommand {
        .evalsha(Self.replaceScript, keys: [key], arguments: [Self.value(entry), Self.tombstone, ttlMilliseconds])
    }

    /// Fills or replaces; a failure only costs the next start a PostgreSQL read, so it is not thrown.
    func write(_ command: RedisCommand) async {
        _ = try? await redis.send(command)
    }

    /// Tombstones `keys` after a committed change (see the type's comment); thrown errors mean
    /// the entries may still say what they said before, for up to their TTL.
    public func invalidate(_ keys: [String]) async throws(RedisError) {
        let commands = keys.map { RedisCommand("SET", $0, Self.tombstone, "PX", Self.tombstoneMilliseconds) }
        for reply in try await redis.pipeline(commands) { _ = try reply.throwingServerError() }
    }

    static func value(_ entry: Entry) -> String {
        switch entry {
        case .user(let id, let blocked): "u:\(id):\(blocked ? 1 : 0)"
        case .absent: "n"
        }
    }

    static let replaceScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[2] then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[3]))
        return 1
        """)
}
