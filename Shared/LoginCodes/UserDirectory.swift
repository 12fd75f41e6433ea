import Foundation
import Logging
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import RedisClient

/// Users as every writer and reader must handle them: PostgreSQL, with their identities cached in
/// Redis (``IdentityCache``). This is the one place that pairs each PostgreSQL write with its
/// cache step — a change commits first, then tombstones every identity it touched; a creation
/// replaces a cached "no such user" — so the gateway, the token service, the management API and
/// `passwordless-admin` cannot forget one.
public struct UserDirectory: Sendable {
    public let users: UserRepository
    public let cache: IdentityCache

    public init(postgres: PostgresClient, redis: RedisClient, masterKey: MasterKey, logger: Logger) {
        users = UserRepository(client: postgres, logger: logger)
        cache = IdentityCache(redis: redis, masterKey: masterKey)
    }

    // MARK: Reads that fill the cache

    /// The user with this identifier, read from PostgreSQL after a cache miss; the answer (also
    /// "none") is cached when `cacheMissing` says so, else only a user is.
    public func find(tenantID: UUID, connectionID: UUID, identifier: String, cacheMissing: Bool) async throws -> User? {
        let user = try await users.find(tenantID: tenantID, connectionID: connectionID, identifier: identifier)
        if let user {
            await cache.write(cache.fillCommand(cache.key(connection: connectionID, identifier: identifier), entry: Self.entry(user)))
        } else if cacheMissing {
            await cache.write(cache.fillCommand(cache.key(connection: connectionID, identifier: identifier), entry: .absent))
        }
        return user
    }

    /// The user by id.
    public func find(id: String) async throws -> User? {
        try await users.find(id: id)
    }

    /// Whether a code's user may still sign in.
    public enum Standing: Sendable, Equatable {
        case active
        case blocked
        /// Deleted, or moved to another email address or phone number, since the code was sent.
        case missing
    }

    /// The standing of the user a verified code was issued to, from the cache when it holds that
    /// user under the recipient's identity, else from PostgreSQL (which then fills the cache).
    public func standing(userID: String, connectionID: UUID, identifier: String) async throws -> Standing {
        let entry = try await cache.read(cache.key(connection: connectionID, identifier: identifier))
        return try await standing(userID: userID, connectionID: connectionID, identifier: identifier, cached: entry)
    }

    /// ``standing(userID:connectionID:identifier:)`` with the cache entry already read (nil: a
    /// miss), as ``CodeStore/verifyReadingIdentity(code:connection:recipient:limits:clientID:request:consume:)`` reads it.
    public func standing(
        userID: String, connectionID: UUID, identifier: String, cached entry: IdentityCache.Entry?
    ) async throws -> Standing {
        let key = cache.key(connection: connectionID, identifier: identifier)
        IdentityCacheMetrics.count(hit: entry != nil)
        if case .user(let id, let blocked) = entry, id == userID { return blocked ? .blocked : .active }
        guard let user = try await users.find(id: userID) else { return .missing }
        // Moved to another address or number since the code was sent (`PATCH /api/v2/users/{id}`):
        // whoever holds the old one is no longer this user.
        guard user.connectionID == connectionID, user.identifier == identifier else { return .missing }
        await cache.write(cache.fillCommand(key, entry: Self.entry(user)))
        return user.blocked ? .blocked : .active
    }

    /// The user with this identifier, created if absent (see ``UserRepository/findOrCreate(tenantID:connection:identifier:verified:)``);
    /// a created user replaces a cached "no such user", a found one fills a miss.
    public func findOrCreate(
        tenantID: UUID, connection: Connection, identifier: String, verified: Bool = false
    ) async throws -> (user: User, created: Bool) {
        let (user, created) = try await users.findOrCreate(
            tenantID: tenantID, connection: connection, identifier: identifier, verified: verified)
        let key = cache.key(connection: connection.id, identifier: identifier)
        await cache.write(created ? cache.replaceCommand(key, entry: Self.entry(user)) : cache.fillCommand(key, entry: Self.entry(user)))
        return (user, created)
    }

    // MARK: Writes that invalidate

    /// Blocks or unblocks; nil when there is no such user.
    public func setBlocked(id: String, blocked: Bool) async throws -> User? {
        guard let user = try await users.setBlocked(id: id, blocked: blocked) else { return nil }
        try await invalidate([user])
        return user
    }

    /// Deletes; returns the deleted user, nil when there was none.
    public func delete(id: String) async throws -> User? {
        guard let user = try await users.delete(id: id) else { return nil }
        try await invalidate([user])
        return user
    }

    /// Changes the identifier or verified flag; both the old and the new identifier's entries are
    /// dropped (the new one may cache "no such user").
    public func update(id: String, _ changes: UserRepository.Changes) async throws -> User? {
        guard let (before, after) = try await users.update(id: id, changes) else { return nil }
        try await invalidate([before, after])
        return after
    }

    /// Tombstones the identities of `users` (after their change committed).
    func invalidate(_ users: [User]) async throws(CacheNotCleared) {
        let keys = Set(users.compactMap { user in user.identifier.map { cache.key(connection: user.connectionID, identifier: $0) } })
        do {
            try await cache.invalidate(keys.sorted())
        } catch {
            throw CacheNotCleared(error: error)
        }
    }

    /// The change is in PostgreSQL, but its cached identity may still say what it said before
    /// (Redis failed). Making the same change again clears it.
    public struct CacheNotCleared: Error, CustomStringConvertible {
        public var error: RedisError

        public var description: String {
            "the change is saved, but the cached identity could not be dropped (\(error)); run the same command again"
        }
    }

    static func entry(_ user: User) -> IdentityCache.Entry { .user(id: user.id, blocked: user.blocked) }
}
