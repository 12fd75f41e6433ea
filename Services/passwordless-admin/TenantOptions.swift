import ArgumentParser
import PasswordlessCore
import PostgresNIO

/// The connection flags and the `--tenant` of a command that works inside one tenant.
struct TenantOptions: ParsableArguments {
    @OptionGroup var store: StoreOptions
    @Option(help: "Tenant name or domain.") var tenant: String

    /// Runs `body` with a running PostgreSQL client and the tenant `--tenant` names.
    func withTenant<T: Sendable>(_ body: @Sendable (PostgresClient, Tenant) async throws -> T) async throws -> T {
        try await store.withTenant(tenant, body)
    }
}
