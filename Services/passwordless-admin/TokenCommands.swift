import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage

/// `passwordless-admin token create|revoke`: management API tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage management API tokens.", subcommands: [Create.self, Revoke.self])

    static let knownScopes: Set<String> = ["create:users", "read:users"]

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a scoped management token for one tenant (printed once).")
        @OptionGroup var target: TenantOptions
        @Option(help: "Comma-separated scopes: create:users, read:users.") var scopes: String
        @Flag(help: "Print one JSON object.") var json = false

        var scopeList: [String] { scopes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

        func validate() throws {
            let unknown = scopeList.filter { !TokenCommand.knownScopes.contains($0) }
            guard unknown.isEmpty, !scopeList.isEmpty else {
                throw ValidationError("--scopes takes create:users and/or read:users (unknown: \(unknown.joined(separator: ", ")))")
            }
        }

        func run() async throws {
            let hasher = CredentialHasher(masterKey: try target.store.masterKey())
            let token = CredentialHasher.generate(bytes: 32)
            let scopes = scopeList
            let (id, name) = try await target.withTenant { client, tenant in
                let record = ManagementToken(id: UUID(), tenantID: tenant.id, scopes: scopes)
                try await ManagementTokenRepository(client: client, logger: .admin).insert(record, digest: hasher.digest(token))
                return (record.id, tenant.name)
            }
            Output.print(["token": token, "scopes": scopes, "tenant": name, "id": id.uuidString.lowercased()], json: json)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a management token by its id.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The token's id (printed by token create).") var id: String

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("not a token id: \(id)") }
            let revoked = try await store.withPostgres { client in
                try await ManagementTokenRepository(client: client, logger: .admin).revoke(id: uuid)
            }
            guard revoked else { throw ValidationError("no live token with id \(id)") }
            print("revoked \(id.lowercased())")
        }
    }
}
