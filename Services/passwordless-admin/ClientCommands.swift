import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage

/// `passwordless-admin client create`.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "client", abstract: "Manage applications.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an application. The secret (with --secret, or required by HS256) is printed once, here.")

        @OptionGroup var store: StoreOptions
        @Option(help: "Tenant name or domain.") var tenant: String
        @Option(help: "The application's name (shown in messages as @@application.name@@).") var name: String
        @Flag(help: "Give the application a client secret.") var secret = false
        @Option(name: .customLong("jwt-alg"), help: "How id_tokens are signed: RS256 or ES256 (tenant key, JWKS) or HS256 (client secret).")
        var jwtAlg: String = "RS256"
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            guard Client.SigningAlgorithm(rawValue: jwtAlg.uppercased()) != nil else { throw ValidationError("--jwt-alg must be RS256, ES256 or HS256") }
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 100 else { throw ValidationError("--name must be 1 to 100 characters") }
        }

        func run() async throws {
            let masterKey = try store.masterKey()
            let algorithm = Client.SigningAlgorithm(rawValue: jwtAlg.uppercased())!
            let clientSecret = secret || algorithm == .hs256 ? CredentialHasher.generate(bytes: 48) : nil
            let clientID = Client.generateID()
            let application = Client(
                clientID: clientID, tenantID: UUID(), name: name, signingAlgorithm: algorithm,
                secretDigest: clientSecret.map { CredentialHasher(masterKey: masterKey).digest($0) },
                sealedSecret: nil)
            let tenantName = try await store.withTenant(tenant) { client, tenant in
                var application = application
                application.tenantID = tenant.id
                if algorithm == .hs256, let clientSecret {
                    application.sealedSecret = SecretBox(masterKey: masterKey, purpose: .secretsAtRest)
                        .seal(clientSecret, context: application.sealingContext)
                }
                try await ClientRepository(client: client, logger: .admin).insert(application)
                // A tenant gets its ES256 key with its first ES256 client (every tenant has an RS256 key).
                if algorithm == .es256 {
                    let keys = try await SigningKeyRepository(client: client, logger: .admin).published(tenantID: tenant.id)
                    if !keys.contains(where: { $0.algorithm == algorithm.rawValue && $0.retiredAt == nil }) {
                        try await KeysCommand.rotate(
                            tenant: tenant, client: client, box: SecretBox(masterKey: masterKey, purpose: .secretsAtRest), algorithm: .es256)
                    }
                }
                return tenant.name
            }
            Output.print(
                ["client_id": clientID, "client_secret": clientSecret, "name": name, "tenant": tenantName, "jwt_alg": algorithm.rawValue],
                json: json)
        }
    }
}

/// `passwordless-admin token create|revoke`: management API tokens.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage management API tokens.", subcommands: [Create.self, Revoke.self])

    static let knownScopes: Set<String> = ["create:users", "read:users"]

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a scoped management token for one tenant (printed once).")
        @OptionGroup var store: StoreOptions
        @Option(help: "Tenant name or domain.") var tenant: String
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
            let hasher = CredentialHasher(masterKey: try store.masterKey())
            let token = CredentialHasher.generate(bytes: 32)
            let scopes = scopeList
            let (id, name) = try await store.withTenant(tenant) { client, tenant in
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
            let revoked = try await store.withPostgres { client in try await ManagementTokenRepository(client: client, logger: .admin).revoke(id: uuid) }
            guard revoked else { throw ValidationError("no live token with id \(id)") }
            print("revoked \(id.lowercased())")
        }
    }
}
