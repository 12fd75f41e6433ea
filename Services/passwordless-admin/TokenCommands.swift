import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage

/// `passwordless-admin token create|list|revoke`: management API tokens. A token is printed
/// once, by `create`; only its HMAC digest is stored, so `list` shows everything else.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage management API tokens.", subcommands: [Create.self, List.self, Revoke.self])

    /// Every scope a management route asks for, in the order `--help` lists them.
    static let knownScopes = ["create:users", "read:users", "update:users", "delete:users"]

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a scoped management token for one tenant (printed once).")
        @OptionGroup var target: TenantOptions
        @Option(help: "Comma-separated scopes: create:users, read:users, update:users, delete:users.") var scopes: String
        @Option(
            help: ArgumentHelp(
                "How long the token works: seconds, or 30m, 12h, 30d (up to 3650d), or never.",
                valueName: "duration"))
        var expiresIn = "30d"
        @Flag(help: "Print one JSON object.") var json = false

        var scopeList: [String] { scopes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }

        func validate() throws {
            let unknown = scopeList.filter { !TokenCommand.knownScopes.contains($0) }
            guard unknown.isEmpty, !scopeList.isEmpty else {
                throw ValidationError(
                    "--scopes takes \(TokenCommand.knownScopes.joined(separator: ", ")) (unknown: \(unknown.joined(separator: ", ")))")
            }
            _ = try TokenLifetime(expiresIn)
        }

        func run() async throws {
            let hasher = CredentialHasher(masterKey: try target.store.masterKey())
            let token = CredentialHasher.generate(bytes: 32)
            let scopes = scopeList
            let expiresAt = try TokenLifetime(expiresIn).seconds.map { Date().addingTimeInterval(TimeInterval($0)) }
            let (record, name) = try await target.withTenant { client, tenant in
                let record = ManagementToken(id: UUID(), tenantID: tenant.id, scopes: scopes, expiresAt: expiresAt)
                let stored = try await ManagementTokenRepository(client: client, logger: .admin).insert(
                    record, digest: hasher.digest(token))
                return (stored, tenant.name)
            }
            Output.print(
                [
                    "token": token, "scopes": scopes, "tenant": name, "id": record.id.uuidString.lowercased(),
                    "expires_at": TokenCommand.timestamp(record.expiresAt) ?? (json ? nil : "never"),
                ], json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's management tokens (never the tokens themselves).")
        @OptionGroup var target: TenantOptions
        @Flag(help: "Print one JSON array.") var json = false

        func run() async throws {
            let (tokens, name) = try await target.withTenant { client, tenant in
                (try await ManagementTokenRepository(client: client, logger: .admin).list(tenantID: tenant.id), tenant.name)
            }
            let now = Date()
            let rows: [KeyValuePairs<String, (any Sendable)?>] = tokens.map { token in
                [
                    "id": token.id.uuidString.lowercased(), "scopes": token.scopes, "tenant": name,
                    "created_at": TokenCommand.timestamp(token.createdAt), "expires_at": TokenCommand.timestamp(token.expiresAt),
                    "state": token.state(at: now).rawValue,
                ]
            }
            Output.printList(rows, columns: ["id", "scopes", "state", "created_at", "expires_at"], json: json)
        }
    }

    /// A time as every `token` command prints it: ISO 8601 in UTC, to the second.
    static func timestamp(_ date: Date?) -> String? {
        date.map(Output.timestamp)
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a management token by its id.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The token's id (printed by token create).") var id: String
        @Flag(help: "Print one JSON object: the id revoked.") var json = false

        func run() async throws {
            guard let uuid = UUID(uuidString: id) else { throw ValidationError("not a token id: \(id.prefix(64))") }
            let revoked = try await store.withPostgres { client in
                try await ManagementTokenRepository(client: client, logger: .admin).revoke(id: uuid)
            }
            guard revoked else { throw ValidationError("no live token with id \(id)") }
            Output.printOutcome("revoked \(id.lowercased())", fields: [("id", id.lowercased()), ("state", "revoked")], json: json)
        }
    }
}
