import ArgumentParser
import Crypto
import Foundation
import Hummingbird
import JobQueue
import LoginCodes
import NIOCore
import NIOPosix
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import RedisClient
import ServiceLifecycle
import TenantDirectory

/// Seeding the benchmark's users and codes, and starting and stopping the services it measures.
extension Run {
    // MARK: Seeding

    /// `options.users` users on the `sms-slow` connection, inserted by PostgreSQL itself.
    func seedUsers() async throws {
        try await withPostgres { client in
            try await client.query(
                """
                INSERT INTO users (id, tenant_id, connection_id, identifier, phone_number)
                SELECT substr(md5('seed' || g), 1, 24), \(tenantID), \(connections["sms-slow"]!), '+1555' || lpad(g::text, 7, '0'),
                       '+1555' || lpad(g::text, 7, '0')
                FROM generate_series(0, \(options.users - 1)) AS g
                """)
            // As autovacuum would after a bulk insert; done here so that it does not take a core
            // during a later measurement.
            try await client.query("VACUUM ANALYZE users")
        }
    }

    static func seededPhone(_ index: Int) -> String { "+1555" + String(format: "%07d", index) }

    /// Issues code 424242 to the seeded users in `range`, as the gateway would (without a job).
    func seedCodes(users range: Range<Int>) async throws {
        let connection = connections["sms-slow"]!
        let masterKey = masterKey
        try await withRedis { redis in
            let codes = CodeStore(redis: redis, masterKey: masterKey)
            // A start leaves the user's identity cached; the exchange reads it with the code.
            let identities = IdentityCache(redis: redis, masterKey: masterKey)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in 0..<32 {
                    group.addTask {
                        for index in stride(from: range.lowerBound + lane, to: range.upperBound, by: 32) {
                            let userID = String(
                                Insecure.MD5.hash(data: Data("seed\(index)".utf8)).map { String(format: "%02x", $0) }.joined().prefix(24))
                            let recipient = Recipient(Self.seededPhone(index), strategy: .sms)!
                            try await codes.issue(
                                code: "424242", connection: connection, recipient: recipient, userID: userID, clientID: "",
                                ttlSeconds: 3600,
                                job: nil)
                            let key = identities.key(connection: connection, identifier: recipient.normalized)
                            _ = try await redis.send(identities.fillCommand(key, entry: .user(id: userID, blocked: false)))
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    // MARK: Services and stores

    @discardableResult
    func admin(_ arguments: [String]) throws -> [String: Any] {
        try runAdmin(arguments, binDirectory: binDirectory, environment: environment)
    }

    /// Starts `name` with the run's environment and `extra` on top, and waits until it is ready.
    mutating func startService(_ name: String, environment extra: [String: String] = [:]) async throws {
        let port = name.hasSuffix("gateway") ? gatewayPort : name.hasSuffix("token") ? tokenPort : dispatcherPort
        let service = try ServiceProcess(
            name, port: port, binDirectory: binDirectory, environment: environment.merging(extra) { $1 }, logDirectory: logDirectory)
        services[name] = service
        try await service.waitReady(group: group)
    }

    mutating func stopService(_ name: String) async {
        guard let service = services.removeValue(forKey: name) else { return }
        peakMemory[name] = max(peakMemory[name] ?? 0, service.memory.peak)
        await service.stop()
    }

    mutating func stopServices() async {
        for name in services.keys { await stopService(name) }
    }

    func withRedis<T: Sendable>(_ body: (RedisClient) async throws -> T) async throws -> T {
        var configuration = try RedisConfiguration(url: options.redisURL)
        configuration.poolSize = 16
        let redis = RedisClient(configuration: configuration, logger: Logger(label: "bench"))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await redis.run() }
            defer { group.cancelAll() }
            do {
                let result = try await body(redis)
                await redis.shutdown()
                return result
            } catch {
                await redis.shutdown()
                throw error
            }
        }
    }

    /// `body` with a client of the benchmark's database, or of `other`.
    func withPostgres<T: Sendable>(
        _ other: DatabaseSettings? = nil, _ body: @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: try (other ?? database).clientConfiguration(maximumConnections: 4))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    func log(_ message: String) {
        FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
    }
}
