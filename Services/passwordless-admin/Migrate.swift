import ArgumentParser
import Logging
import PasswordlessStorage

/// `passwordless-admin migrate`: applies pending schema migrations in one transaction.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending database migrations (safe to run again: it then changes nothing).")

    @OptionGroup var store: StoreOptions

    @Flag(help: "Apply nothing; exit 1 if migrations are pending.")
    var check = false

    func run() async throws {
        let check = self.check
        try await store.withPostgres(logger: .admin) { client in
            let migrator = Migrator(client: client, logger: .admin)
            if check {
                do {
                    try await migrator.ensureCurrent()
                    print("schema is current (version \(Migration.latestVersion))")
                } catch let error as SchemaError {
                    print(error.description)
                    throw ExitCode(1)
                }
                return
            }
            let applied = try await migrator.migrate()
            if applied.isEmpty {
                print("schema is current (version \(Migration.latestVersion)); nothing to apply")
            } else {
                for migration in applied { print("applied \(migration.version): \(migration.name)") }
            }
        }
    }
}
