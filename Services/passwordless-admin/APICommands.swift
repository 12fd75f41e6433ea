import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO

/// `passwordless-admin api create|list|show|update|delete`: a tenant's APIs (Auth0's resource
/// servers), the only audiences an access token may name and the scopes it may carry.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Manage the APIs access tokens are issued for.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self])

    /// The flags `create` and `update` share.
    struct Settings: ParsableArguments {
        @Option(help: "Comma-separated scopes the API defines, e.g. read:orders,write:orders.") var scopes: String?
        @Option(name: .customLong("token-lifetime"), help: "Seconds an access token for this API lives (60 to 2592000; default 86400).")
        var tokenLifetime: Int?

        var scopeList: [String] { CommaList.parse(scopes) }

        func validate() throws {
            // RFC 6749 §3.3 scope-token: printable ASCII without space, quote or backslash.
            for scope in scopeList
            where !scope.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value <= 0x7E && $0 != "\"" && $0 != "\\" }) {
                throw ValidationError("--scopes: \(scope) is not a valid scope (printable ASCII, no spaces, quotes or backslashes)")
            }
            if let tokenLifetime, !ResourceServer.tokenLifetimeRange.contains(tokenLifetime) {
                throw ValidationError("--token-lifetime must be between 60 and 2592000 seconds")
            }
        }
    }

    static func fields(_ api: ResourceServer, tenant: String) -> KeyValuePairs<String, (any Sendable)?> {
        [
            "id": api.id.uuidString.lowercased(), "identifier": api.identifier, "scopes": api.scopes, "token_lifetime": api.tokenLifetime,
            "tenant": tenant,
        ]
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an API; its identifier is the audience clients ask for.")
        @OptionGroup var target: TenantOptions
        @Option(help: "The audience, e.g. https://api.example.com (matched exactly).") var identifier: String
        @OptionGroup var settings: Settings
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            guard !identifier.isEmpty, identifier.count <= 600,
                !identifier.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
            else { throw ValidationError("--identifier must be 1 to 600 characters without white space") }
        }

        func run() async throws {
            let (identifier, settings) = (self.identifier, self.settings)
            let (api, name) = try await target.withTenant { client, tenant in
                let api = ResourceServer(
                    id: UUID(), tenantID: tenant.id, identifier: identifier, scopes: settings.scopeList,
                    tokenLifetime: settings.tokenLifetime ?? ResourceServer.defaultTokenLifetime)
                let repository = ResourceServerRepository(client: client, logger: .admin)
                guard try await repository.find(tenantID: tenant.id, identifier: identifier) == nil else {
                    throw ValidationError("tenant \(tenant.name) already has an API \(identifier)")
                }
                try await repository.insert(api)
                return (api, tenant.name)
            }
            Output.print(APICommand.fields(api, tenant: name), json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's APIs.")
        @OptionGroup var target: TenantOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let (apis, name) = try await target.withTenant { client, tenant in
                (try await ResourceServerRepository(client: client, logger: .admin).list(tenantID: tenant.id), tenant.name)
            }
            Output.printList(
                apis.map { APICommand.fields($0, tenant: name) }, columns: ["identifier", "scopes", "token_lifetime", "id"], json: json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one API.")
        @OptionGroup var target: TenantOptions
        @Argument(help: "The API's identifier.") var identifier: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let (api, name) = try await APICommand.load(identifier, in: target)
            Output.print(APICommand.fields(api, tenant: name), json: json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an API's scopes or token lifetime; flags not given stay as they are.")
        @OptionGroup var target: TenantOptions
        @Argument(help: "The API's identifier.") var identifier: String
        @OptionGroup var settings: Settings
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let (identifier, settings) = (self.identifier, self.settings)
            let (api, name) = try await target.withTenant { client, tenant in
                let repository = ResourceServerRepository(client: client, logger: .admin)
                guard var api = try await repository.find(tenantID: tenant.id, identifier: identifier) else {
                    throw ValidationError("tenant \(tenant.name) has no API \(identifier)")
                }
                if settings.scopes != nil { api.scopes = settings.scopeList }
                if let lifetime = settings.tokenLifetime { api.tokenLifetime = lifetime }
                try await repository.update(api)
                return (api, tenant.name)
            }
            Output.print(APICommand.fields(api, tenant: name), json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an API: access tokens for it are no longer issued (caches: 10 s).")
        @OptionGroup var target: TenantOptions
        @Argument(help: "The API's identifier.") var identifier: String
        @Flag(help: "Print one JSON object: the API deleted.") var json = false

        func run() async throws {
            let (api, tenant) = try await APICommand.load(identifier, in: target)
            _ = try await target.store.withPostgres { client in
                try await ResourceServerRepository(client: client, logger: .admin).delete(id: api.id)
            }
            Output.printOutcome(
                "deleted \(api.identifier)",
                fields: [("id", api.id.uuidString.lowercased()), ("identifier", api.identifier), ("tenant", tenant)],
                json: json)
        }
    }

    static func load(_ identifier: String, in target: TenantOptions) async throws -> (ResourceServer, String) {
        try await target.withTenant { client, tenant in
            guard
                let api = try await ResourceServerRepository(client: client, logger: .admin).find(
                    tenantID: tenant.id, identifier: identifier)
            else {
                throw ValidationError("tenant \(tenant.name) has no API \(identifier)")
            }
            return (api, tenant.name)
        }
    }
}
