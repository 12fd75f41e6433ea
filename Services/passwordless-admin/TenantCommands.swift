import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import Tokens

/// `passwordless-admin tenant create|list|show|update|delete`.
///
/// The services cache tenants for 10 s: a renamed tenant, a moved domain or a deleted tenant is
/// seen everywhere within that time.
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants.", subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self])

    /// What every tenant command prints.
    static func fields(_ tenant: Tenant) -> KeyValuePairs<String, (any Sendable)?> {
        ["id": tenant.id.uuidString.lowercased(), "name": tenant.name, "domain": tenant.domain]
    }

    /// A one-line error unless `name` is a tenant name: lower-case letters, digits, - and _.
    static func checkName(_ name: String) throws {
        guard name.range(of: "^[a-z0-9][a-z0-9_-]{0,62}$", options: .regularExpression) != nil else {
            throw ValidationError("--name must be lower-case letters, digits, - and _ (at most 63)")
        }
    }

    /// A one-line error unless `domain` is a host name without scheme or port.
    static func checkDomain(_ domain: String) throws {
        guard domain.range(of: "^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$", options: .regularExpression) != nil else {
            throw ValidationError("--domain must be a host name without scheme or port")
        }
    }

    /// The `<name>` argument of show, update and delete: the tenant's name or domain.
    struct Reference: ParsableArguments {
        @OptionGroup var store: StoreOptions
        @Argument(help: "The tenant's name (or domain).") var tenant: String
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant and its first RS256 signing key.")

        @OptionGroup var store: StoreOptions
        @Option(help: "Short name: lower-case letters, digits, - and _.") var name: String
        @Option(help: "The host name clients use for this tenant, e.g. acme.example.com.") var domain: String
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            try TenantCommand.checkName(name)
            try TenantCommand.checkDomain(domain)
        }

        func run() async throws {
            let box = SecretBox(masterKey: try store.masterKey(), purpose: .secretsAtRest)
            let (name, domain) = (self.name, self.domain)
            let tenant = try await store.withPostgres { client in
                let tenant = try await TenantRepository(client: client, logger: .admin).create(name: name, domain: domain)
                try await KeysCommand.rotate(tenant: tenant, client: client, box: box)
                return tenant
            }
            Output.print(TenantCommand.fields(tenant), json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let tenants = try await store.withPostgres { client in try await TenantRepository(client: client, logger: .admin).all() }
            Output.printList(tenants.map(TenantCommand.fields), columns: ["name", "domain", "id"], json: json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a tenant.")
        @OptionGroup var reference: Reference
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let tenant = try await reference.store.withTenant(reference.tenant) { _, tenant in tenant }
            Output.print(TenantCommand.fields(tenant), json: json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rename a tenant or change its domain; what is not given stays as it is (the services see it within 10 s).")
        @OptionGroup var reference: Reference
        @Option(help: "The new name.") var name: String?
        @Option(help: "The new host name.") var domain: String?
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            guard name != nil || domain != nil else { throw ValidationError("give --name and/or --domain") }
            try name.map(TenantCommand.checkName)
            try domain.map(TenantCommand.checkDomain)
        }

        func run() async throws {
            let (name, domain, reference) = (self.name, self.domain, self.reference.tenant)
            let tenant = try await self.reference.store.withTenant(reference) { client, tenant in
                guard
                    let updated = try await TenantRepository(client: client, logger: .admin).update(
                        id: tenant.id, name: name, domain: domain)
                else { throw AdminError("no tenant named \(reference)") }
                return updated
            }
            Output.print(TenantCommand.fields(tenant), json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Delete a tenant with everything it owns: clients, APIs, connections, users, keys, tokens and hooks (asks on a terminal).")
        @OptionGroup var reference: Reference
        @OptionGroup var confirmation: Confirmation
        @Flag(help: "Print one JSON object: the tenant deleted.") var json = false

        func run() async throws {
            let reference = self.reference.tenant
            let tenant = try await self.reference.store.withTenant(reference) { _, tenant in tenant }
            try confirmation.confirm("Delete tenant \(tenant.name) (\(tenant.domain)) with all its clients, connections and users?")
            let deleted = try await self.reference.store.withPostgres { client in
                try await TenantRepository(client: client, logger: .admin).delete(id: tenant.id)
            }
            guard deleted else { throw AdminError("no tenant named \(reference)") }
            Output.printOutcome("deleted \(tenant.name)", fields: TenantCommand.fields(tenant).map { ($0.key, $0.value) }, json: json)
        }
    }
}
