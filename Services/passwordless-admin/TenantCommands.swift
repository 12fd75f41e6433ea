import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import Tokens

/// `passwordless-admin tenant create|list`.
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant and its first RS256 signing key.")

        @OptionGroup var store: StoreOptions
        @Option(help: "Short name: lower-case letters, digits, - and _.") var name: String
        @Option(help: "The host name clients use for this tenant, e.g. acme.example.com.") var domain: String
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            guard name.range(of: "^[a-z0-9][a-z0-9_-]{0,62}$", options: .regularExpression) != nil else {
                throw ValidationError("--name must be lower-case letters, digits, - and _ (at most 63)")
            }
            guard domain.range(of: "^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$", options: .regularExpression) != nil else {
                throw ValidationError("--domain must be a host name without scheme or port")
            }
        }

        func run() async throws {
            let box = SecretBox(masterKey: try store.masterKey(), purpose: .secretsAtRest)
            let (name, domain) = (self.name, self.domain)
            let tenant = try await store.withPostgres { client in
                let tenant = try await TenantRepository(client: client, logger: .admin).create(name: name, domain: domain)
                try await KeysCommand.rotate(tenant: tenant, client: client, box: box)
                return tenant
            }
            Output.print(["id": tenant.id.uuidString.lowercased(), "name": tenant.name, "domain": tenant.domain], json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let tenants = try await store.withPostgres { client in try await TenantRepository(client: client, logger: .admin).all() }
            Output.printList(
                tenants.map { ["id": $0.id.uuidString.lowercased(), "name": $0.name, "domain": $0.domain] },
                columns: ["name", "domain", "id"],
                json: json)
        }
    }
}

/// `passwordless-admin keys rotate`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Manage signing keys.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: """
                Make a new key current for its algorithm; the previous one stays in the JWKS for 7 days so issued tokens still verify.
                """)
        @OptionGroup var target: TenantOptions
        @Option(help: "RS256 (the default; also signs access tokens) or ES256.") var algorithm: String = "RS256"
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            guard let parsed = Client.SigningAlgorithm(rawValue: algorithm.uppercased()), parsed.usesTenantKey else {
                throw ValidationError("--algorithm must be RS256 or ES256")
            }
        }

        func run() async throws {
            let box = SecretBox(masterKey: try target.store.masterKey(), purpose: .secretsAtRest)
            let algorithm = Client.SigningAlgorithm(rawValue: algorithm.uppercased())!
            let (kid, name) = try await target.withTenant { client, tenant in
                (try await KeysCommand.rotate(tenant: tenant, client: client, box: box, algorithm: algorithm), tenant.name)
            }
            Output.print(["kid": kid, "tenant": name, "algorithm": algorithm.rawValue], json: json)
        }
    }

    /// Generates a key, seals its private half and makes it the tenant's current key for its algorithm.
    @discardableResult
    static func rotate(
        tenant: Tenant, client: PostgresClient, box: SecretBox, algorithm: Client.SigningAlgorithm = .rs256
    ) async throws -> String {
        let generated = try SigningKeyFactory.make(algorithm)
        let sealed = box.seal(generated.privateKeyPEM, context: StoredSigningKey.sealingContext(kid: generated.kid))
        try await SigningKeyRepository(client: client, logger: .admin).rotate(
            to: StoredSigningKey(
                kid: generated.kid, tenantID: tenant.id, algorithm: generated.algorithm, sealedPrivateKey: sealed,
                publicJWK: generated.publicJWK))
        return generated.kid
    }
}
