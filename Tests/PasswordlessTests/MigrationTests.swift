import Foundation
import Logging
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test func migratesAnEmptyDatabaseAndASecondRunIsANoOp() async throws {
        try await TemporaryDatabase.with { database in
            try await database.withClient { client in
                let migrator = Migrator(client: client, logger: .quiet)
                await #expect(throws: SchemaError.notMigrated(missing: Migration.all.map(\.version))) {
                    try await migrator.ensureCurrent()
                }

                let first = try await migrator.migrate()
                #expect(first.map(\.version) == Migration.all.map(\.version))
                try await migrator.ensureCurrent()
                let tablesAfterFirst = try await tables(client)
                #expect(
                    Set(["tenants", "clients", "connections", "users", "signing_keys", "management_tokens", "schema_migrations"])
                        .isSubset(of: tablesAfterFirst))

                let second = try await migrator.migrate()
                #expect(second.isEmpty)
                #expect(try await migrator.appliedVersions() == Migration.all.map(\.version))
                #expect(try await tables(client) == tablesAfterFirst)
            }
        }
    }

    @Test func concurrentRunsApplyEachMigrationOnce() async throws {
        try await TemporaryDatabase.with { database in
            try await database.withClient { client in
                let migrator = Migrator(client: client, logger: .quiet)
                let applied = try await withThrowingTaskGroup(of: [Migration].self) { group in
                    for _ in 0..<3 { group.addTask { try await migrator.migrate() } }
                    return try await group.reduce(into: [Int]()) { $0 += $1.map(\.version) }
                }
                #expect(applied == Migration.all.map(\.version))
                let rows = try await client.query("SELECT count(*) FROM schema_migrations").decode(Int.self).first { _ in true }
                #expect(rows == Migration.all.count)
            }
        }
    }

    @Test func aFailingMigrationLeavesNothingBehind() async throws {
        try await TemporaryDatabase.with { database in
            try await database.withClient { client in
                let broken = Migration(
                    version: 99, name: "broken", statements: ["CREATE TABLE half_done (id int)", "SELECT * FROM no_such_table"])
                let migrator = Migrator(client: client, migrations: Migration.all + [broken], logger: .quiet)
                await #expect(throws: (any Error).self) { try await migrator.migrate() }
                let left = try await tables(client)
                #expect(left.isEmpty)
            }
        }
    }

    @Test func usersAreUniqueAndNormalisedPerTenantAndConnection() async throws {
        try await TemporaryDatabase.with { database in
            try await database.withClient { client in
                try await Migrator(client: client, logger: .quiet).migrate()
                let tenant = UUID()
                let connection = UUID()
                try await client.query("INSERT INTO tenants (id, name, domain) VALUES (\(tenant), 'acme', 'acme.example.com')")
                try await client.query(
                    "INSERT INTO connections (id, tenant_id, name, strategy, provider) VALUES (\(connection), \(tenant), 'email', 'email', 'outbox')"
                )
                func insert(_ id: String, email: String) async throws {
                    try await client.query(
                        """
                        INSERT INTO users (id, tenant_id, connection_id, identifier, email)
                        VALUES (\(id), \(tenant), \(connection), \(email), \(email))
                        """)
                }
                try await insert("5f85aa000000000000000001", email: "ada@example.com")
                await #expect(throws: PSQLError.self, "the same identifier twice") {
                    try await insert("5f85aa000000000000000002", email: "ada@example.com")
                }
                await #expect(throws: PSQLError.self, "an email that is not lower case") {
                    try await insert("5f85aa000000000000000003", email: "Grace@example.com")
                }
                await #expect(throws: PSQLError.self, "a phone number that is not E.164") {
                    try await client.query(
                        """
                        INSERT INTO users (id, tenant_id, connection_id, identifier, phone_number)
                        VALUES ('5f85aa000000000000000004', \(tenant), \(connection), '0425 111 2222', '0425 111 2222')
                        """)
                }
            }
        }
    }

    @Test func everyProviderCanBeStoredAndNoOther() async throws {
        try await TemporaryDatabase.with { database in
            try await database.withClient { client in
                try await Migrator(client: client, logger: .quiet).migrate()
                let tenant = UUID()
                try await client.query("INSERT INTO tenants (id, name, domain) VALUES (\(tenant), 'acme', 'acme.example.com')")
                func insert(_ provider: String) async throws {
                    try await client.query(
                        "INSERT INTO connections (id, tenant_id, name, strategy, provider) VALUES (\(UUID()), \(tenant), \(provider), 'email', \(provider))"
                    )
                }
                for provider in Connection.Provider.allCases { try await insert(provider.rawValue) }
                await #expect(throws: PSQLError.self, "a provider nobody knows") { try await insert("pigeon") }
            }
        }
    }

    private func tables(_ client: PostgresClient) async throws -> Set<String> {
        var names = Set<String>()
        for try await name in try await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").decode(String.self) {
            names.insert(name)
        }
        return names
    }
}
