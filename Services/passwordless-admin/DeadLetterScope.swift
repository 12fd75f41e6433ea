import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage

/// The store flags and optional `--tenant` of the `dead` commands: dead letters name their
/// tenant by id, operators by name.
struct DeadLetterScope: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @Option(help: "Only this tenant's dead letters (name or domain).") var tenant: String?

    /// Every tenant's name by id (to print), and the id of `--tenant` when given; an unknown
    /// tenant is a one-line error.
    func tenants() async throws -> (names: [UUID: String], only: UUID?) {
        let tenant = self.tenant
        return try await store.withPostgres { client in
            let repository = TenantRepository(client: client, logger: .admin)
            var only: UUID?
            if let tenant {
                guard let found = try await repository.find(nameOrDomain: tenant) else {
                    throw ValidationError("no tenant named \(tenant) (create it with: passwordless-admin tenant create)")
                }
                only = found.id
            }
            let names = Dictionary(uniqueKeysWithValues: try await repository.all().map { ($0.id, $0.name) })
            return (names, only)
        }
    }
}
