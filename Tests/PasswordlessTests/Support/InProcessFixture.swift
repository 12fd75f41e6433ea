import Foundation
import JobQueue
import Logging
import LoginCodes
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import RedisClient
import ServiceSettings
import Testing
import Tokens

/// What a service built in this process needs: a migrated database of its own, seeded with one
/// tenant on the domain `localhost` (the authority of every request `app.test(.router)` makes),
/// its clients, connections, an API, a signing key and a management token, and the test Redis.
///
/// The services under test write to a Redis database of their own (``redisDatabase``), so the
/// jobs their starts queue never reach the dispatchers other tests run; a fixture removes the
/// jobs of its connections when it ends.
struct InProcessFixture: Sendable {
    static let redisDatabase = 9
    static let masterKey = try! MasterKey(base64: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")

    let configuration: ServiceConfiguration
    let tenant: Tenant
    /// The one page origin the public client lists.
    static let webOrigin = "https://app.example"
    /// The public client's callback (`redirect_uri`).
    static let callback = "https://app.example/callback"
    /// The confidential client's callback.
    static let backendCallback = "https://backend.example/auth/callback"
    /// A public client with the default grants and `implicit`, calling back ``callback``.
    let publicClient: String
    /// A confidential client and its secret.
    let confidentialClient: (id: String, secret: String)
    /// A public client allowed only the `password` grant (`/oauth/ro`).
    let roOnlyClient: String
    let sms: Connection
    let email: Connection
    /// The audience of the tenant's one API, which defines `read:things`.
    let audience = "https://things.example"
    /// A management token with `read:users` and `create:users`.
    let managementToken: String

    /// Creates the database and its rows, runs `body`, then drops the database and the jobs.
    static func with(_ body: @Sendable (InProcessFixture) async throws -> Void) async throws {
        try await TemporaryDatabase.with { database in
            let fixture: InProcessFixture
            do {
                fixture = try await database.withClient { client in try await seed(client, database: database) }
            } catch let error as PSQLError {
                throw TemporaryDatabase.Failed(description: "seeding \(database.name): \(String(reflecting: error))")
            }
            do {
                try await body(fixture)
            } catch {
                try? await fixture.removeJobs()
                throw error
            }
            try await fixture.removeJobs()
        }
    }

    private static func seed(_ client: PostgresClient, database: TemporaryDatabase) async throws -> InProcessFixture {
        _ = try await Migrator(client: client, logger: .quiet).migrate()
        let tenant = try await TenantRepository(client: client, logger: .quiet).create(
            name: TestEnvironment.uniqueName("inproc"), domain: "localhost")
        let secrets = SecretBox(masterKey: masterKey, purpose: .secretsAtRest)
        let key = try SigningKeyFactory.make(.rs256)
        try await SigningKeyRepository(client: client, logger: .quiet).rotate(
            to: StoredSigningKey(
                kid: key.kid, tenantID: tenant.id, algorithm: key.algorithm,
                sealedPrivateKey: secrets.seal(key.privateKeyPEM, context: StoredSigningKey.sealingContext(kid: key.kid)),
                publicJWK: key.publicJWK))

        let hasher = CredentialHasher(masterKey: masterKey)
        let clients = ClientRepository(client: client, logger: .quiet)
        let publicID = CredentialHasher.generate(bytes: 16)
        try await clients.insert(
            Client(
                clientID: publicID, tenantID: tenant.id, name: "Web", signingAlgorithm: .rs256, secretDigest: nil, sealedSecret: nil,
                callbacks: [Self.callback], webOrigins: [Self.webOrigin], grantTypes: Client.GrantType.defaults + [.implicit]))
        let confidentialID = CredentialHasher.generate(bytes: 16)
        let secret = CredentialHasher.generate()
        try await clients.insert(
            Client(
                clientID: confidentialID, tenantID: tenant.id, name: "Backend", signingAlgorithm: .rs256,
                secretDigest: hasher.digest(secret), sealedSecret: nil, kind: .confidential, callbacks: [Self.backendCallback]))
        let roID = CredentialHasher.generate(bytes: 16)
        try await clients.insert(
            Client(
                clientID: roID, tenantID: tenant.id, name: "Legacy", signingAlgorithm: .rs256, secretDigest: nil, sealedSecret: nil,
                grantTypes: [.password]))

        let connections = ConnectionRepository(client: client, logger: .quiet)
        func connection(_ name: String, _ strategy: Connection.Strategy) -> Connection {
            Connection(
                id: UUID(), tenantID: tenant.id, name: name, strategy: strategy, provider: .outbox,
                settings: .init(outboxFile: "/dev/null"), sealedCredentials: nil, template: nil, subject: nil, codeLength: 6,
                codeTTLSeconds: 300, disableSignup: false)
        }
        let sms = connection("sms", .sms)
        let email = connection("email", .email)
        try await connections.insert(sms)
        try await connections.insert(email)
        try await ResourceServerRepository(client: client, logger: .quiet).insert(
            ResourceServer(
                id: UUID(), tenantID: tenant.id, identifier: "https://things.example", scopes: ["read:things"], tokenLifetime: 600))
        let managementToken = CredentialHasher.generate()
        try await ManagementTokenRepository(client: client, logger: .quiet).insert(
            ManagementToken(id: UUID(), tenantID: tenant.id, scopes: ["read:users", "create:users"]), digest: hasher.digest(managementToken)
        )

        var redis = try RedisConfiguration(url: try TestEnvironment.redisURL())
        redis.database = redisDatabase
        var configuration = ServiceConfiguration(database: database.settings, redis: redis, masterKey: masterKey, port: 0)
        configuration.databasePoolSize = 4
        return InProcessFixture(
            configuration: configuration, tenant: tenant, publicClient: publicID, confidentialClient: (confidentialID, secret),
            roOnlyClient: roID, sms: sms, email: email, managementToken: managementToken)
    }

    /// Makes a new RS256 key the tenant's current one, as `passwordless-admin keys rotate` does;
    /// returns its kid.
    func rotateSigningKey() async throws -> String {
        let key = try SigningKeyFactory.make(.rs256)
        let sealed = SecretBox(masterKey: Self.masterKey, purpose: .secretsAtRest)
            .seal(key.privateKeyPEM, context: StoredSigningKey.sealingContext(kid: key.kid))
        try await TemporaryDatabase.withClient(configuration.database) { client in
            try await SigningKeyRepository(client: client, logger: .quiet).rotate(
                to: StoredSigningKey(
                    kid: key.kid, tenantID: tenant.id, algorithm: key.algorithm, sealedPrivateKey: sealed, publicJWK: key.publicJWK))
        }
        return key.kid
    }

    /// Blocks the user as `passwordless-admin user block` does (PostgreSQL, then its cached identity).
    func block(userID: String) async throws {
        try await TemporaryDatabase.withClient(configuration.database) { client in
            try await withRedis { redis in
                let users = UserDirectory(postgres: client, redis: redis, masterKey: Self.masterKey, logger: .quiet)
                _ = try #require(try await users.setBlocked(id: userID, blocked: true))
            }
        }
    }

    /// The code of the newest job queued for `recipient`, opened as the dispatcher would.
    func queuedCode(for recipient: String) async throws -> String? {
        try await newestJob(for: recipient)?.code(box: SecretBox(masterKey: Self.masterKey, purpose: .jobSeal))
    }

    /// The sign-in link of the newest job queued for `recipient`, opened as the dispatcher would.
    func queuedLink(for recipient: String) async throws -> String? {
        try await newestJob(for: recipient)?.link(box: SecretBox(masterKey: Self.masterKey, purpose: .jobSeal))
    }

    private func newestJob(for recipient: String) async throws -> SendJob? {
        try await queuedJobsOfThisFixture().filter { $0.recipient == recipient }.max { $0.createdAt < $1.createdAt }
    }

    /// How many jobs this fixture's connections have queued.
    func queuedJobs() async throws -> Int {
        try await queuedJobsOfThisFixture().count
    }

    /// The jobs pending for the fixture's tenant (its own, since each fixture has a tenant of its own).
    private func queuedJobsOfThisFixture() async throws -> [SendJob] {
        try await withRedis { redis in
            try await DeliveryQueue(redis: redis, layout: QueueLayout(partitions: configuration.queuePartitions)).pending(tenant: tenant.id)
                .compactMap { try? SendJob.decode($0) }.filter { [sms.id, email.id].contains($0.connectionID) }
        }
    }

    private func removeJobs() async throws {
        _ = try await withRedis { redis in
            try await DeliveryQueue(redis: redis, layout: QueueLayout(partitions: configuration.queuePartitions)).discardPending(
                tenant: tenant.id)
        }
    }

    private func withRedis<T: Sendable>(_ body: (RedisClient) async throws -> T) async throws -> T {
        let client = RedisClient.running(configuration: configuration.redis)
        do {
            let result = try await body(client)
            await client.shutdown()
            return result
        } catch {
            await client.shutdown()
            throw error
        }
    }
}

extension InProcessFixture {
    /// A configuration that names the test servers but no database of its own, for tests that
    /// only build routers and never send a request.
    static func configurationWithoutDatabase() throws -> ServiceConfiguration {
        ServiceConfiguration(
            database: try DatabaseSettings(url: try TestEnvironment.databaseURL()),
            redis: try RedisConfiguration(url: try TestEnvironment.redisURL()), masterKey: masterKey, port: 0)
    }
}
