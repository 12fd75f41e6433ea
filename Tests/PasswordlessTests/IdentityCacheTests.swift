import Foundation
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import RedisClient
import Testing

@testable import LoginCodes

/// The identity cache against a real PostgreSQL and Redis (a single node and the cluster): fills,
/// tombstones, and the race between a fill and an invalidation.
@Suite("Identity cache", .serialized)
struct IdentityCacheTests {
    /// A migrated database with one tenant and one SMS connection, a running Redis client, and
    /// the directory over both.
    struct Fixture {
        var directory: UserDirectory
        var connection: Connection
        var tenantID: UUID
        var redis: RedisClient

        func key(_ identifier: String) -> String { directory.cache.key(connection: connection.id, identifier: identifier) }
    }

    static func with(_ target: RedisTarget, _ body: (Fixture) async throws -> Void) async throws {
        // A server of its own (stopped at the end, or when released after a failure), or the
        // shared cluster, flushed.
        let stackRedis = try await StackRedis(target)
        try await TemporaryDatabase.with { database in
            try await database.withClient { client in
                try await Migrator(client: client, logger: .quiet).migrate()
                let tenant = UUID()
                let connectionID = UUID()
                try await client.query("INSERT INTO tenants (id, name, domain) VALUES (\(tenant), 'acme', 'acme.example.com')")
                try await client.query(
                    "INSERT INTO connections (id, tenant_id, name, strategy, provider) VALUES (\(connectionID), \(tenant), 'sms', 'sms', 'outbox')"
                )
                let connection = Connection(
                    id: connectionID, tenantID: tenant, name: "sms", strategy: .sms, provider: .outbox,
                    settings: ProviderSettings(outboxFile: "/dev/null"), sealedCredentials: nil, template: nil, subject: nil, codeLength: 6,
                    codeTTLSeconds: 600, disableSignup: false)
                let redis = RedisClient.running(configuration: try stackRedis.configuration())
                let masterKey = try MasterKey(base64: MasterKey.generateBase64())
                let directory = UserDirectory(postgres: client, redis: redis, masterKey: masterKey, logger: .quiet)
                do {
                    try await body(Fixture(directory: directory, connection: connection, tenantID: tenant, redis: redis))
                } catch {
                    await redis.shutdown()
                    throw error
                }
                await redis.shutdown()
            }
        }
        await stackRedis.server?.stop()
    }

    static let targets: [RedisTarget] = [.single, .cluster]

    /// A start that read PostgreSQL before a block committed, and fills after the block's
    /// tombstone, does not bring back "not blocked"; nor does a fill that landed before it.
    @Test(arguments: targets) func aFillRacingAnInvalidationDoesNotResurrectTheStaleEntry(redis: RedisTarget) async throws {
        try await Self.with(redis) { fixture in
            let (directory, cache) = (fixture.directory, fixture.directory.cache)
            let (user, _) = try await directory.findOrCreate(
                tenantID: fixture.tenantID, connection: fixture.connection, identifier: "+14155550100")
            let key = fixture.key("+14155550100")
            #expect(try await cache.read(key) == .user(id: user.id, blocked: false), "a creation fills the cache")

            // The racing reader's stale view, taken before the block.
            let stale = IdentityCache.Entry.user(id: user.id, blocked: false)
            _ = try #require(try await directory.setBlocked(id: user.id, blocked: true))
            await cache.write(cache.fillCommand(key, entry: stale))  // lands after the tombstone
            #expect(try await cache.read(key) == nil, "the stale fill was refused: a tombstone reads as a miss")
            let ttl = try #require(try await fixture.redis.send("PTTL", key).int)
            #expect(ttl > 0 && ttl <= IdentityCache.tombstoneMilliseconds)

            // A creation's fill (it may replace "no such user") does not replace a tombstone either.
            await cache.write(cache.replaceCommand(key, entry: stale))
            #expect(try await cache.read(key) == nil)

            // A stale fill that lands before the invalidation is overwritten by it.
            try await fixture.redis.send("DEL", key)
            await cache.write(cache.fillCommand(key, entry: .user(id: user.id, blocked: true)))
            _ = try await directory.setBlocked(id: user.id, blocked: false)
            #expect(try await cache.read(key) == nil)

            // Once the tombstone is gone, the next miss fills from PostgreSQL as it is now.
            try await fixture.redis.send("DEL", key)
            let found = try await directory.find(
                tenantID: fixture.tenantID, connectionID: fixture.connection.id, identifier: "+14155550100", cacheMissing: true)
            #expect(found?.blocked == false)
            #expect(try await cache.read(key) == .user(id: user.id, blocked: false))
        }
    }

    /// Every writer drops what it changed: an identifier change both entries, a creation a cached
    /// "no such user", a deletion the user's entry; no key names the number.
    @Test(arguments: targets) func writersInvalidateWhatTheyChange(redis: RedisTarget) async throws {
        try await Self.with(redis) { fixture in
            let (directory, cache) = (fixture.directory, fixture.directory.cache)
            let (old, new) = ("+14155550200", "+14155550201")
            // "No such user" for the number the user is about to move to, the user for the old one.
            #expect(
                try await directory.find(
                    tenantID: fixture.tenantID, connectionID: fixture.connection.id, identifier: new, cacheMissing: true)
                    == nil)
            #expect(try await cache.read(fixture.key(new)) == .absent)
            let (user, _) = try await directory.findOrCreate(tenantID: fixture.tenantID, connection: fixture.connection, identifier: old)
            #expect(try await cache.read(fixture.key(old)) == .user(id: user.id, blocked: false))

            let moved = try #require(try await directory.update(id: user.id, UserRepository.Changes(identifier: new, verified: true)))
            #expect(moved.phoneNumber == new && moved.phoneVerified)
            #expect(try await cache.read(fixture.key(old)) == nil)
            #expect(try await cache.read(fixture.key(new)) == nil)
            #expect(
                try await directory.find(
                    tenantID: fixture.tenantID, connectionID: fixture.connection.id, identifier: old, cacheMissing: true)
                    == nil)

            // A creation replaces "no such user" at once (no tombstone to wait for).
            let third = "+14155550202"
            _ = try await directory.find(
                tenantID: fixture.tenantID, connectionID: fixture.connection.id, identifier: third, cacheMissing: true)
            #expect(try await cache.read(fixture.key(third)) == .absent)
            let (created, wasCreated) = try await directory.findOrCreate(
                tenantID: fixture.tenantID, connection: fixture.connection, identifier: third)
            #expect(wasCreated)
            #expect(try await cache.read(fixture.key(third)) == .user(id: created.id, blocked: false))

            #expect(try await directory.delete(id: created.id)?.id == created.id)
            #expect(try await cache.read(fixture.key(third)) == nil)
            #expect(try await directory.delete(id: created.id) == nil)

            #expect(!fixture.key(third).contains("4155550202"))
        }
    }
}
