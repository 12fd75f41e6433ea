import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import Tokens

/// `passwordless-admin keys rotate|list|revoke`: a tenant's signing keys.
///
/// The token routes reload a tenant's keys every 30 s and JWKS answers may be cached for 60 s:
/// a rotation or a revocation is everywhere within about a minute and a half.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage signing keys.", subcommands: [Rotate.self, List.self, Revoke.self])

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

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the tenant's keys: current, previous (still in the JWKS) and revoked; never a private key.")
        @OptionGroup var target: TenantOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let keys = try await target.withTenant { client, tenant in
                try await SigningKeyRepository(client: client, logger: .admin).list(tenantID: tenant.id)
            }
            let rows: [KeyValuePairs<String, (any Sendable)?>] = keys.map { key in
                [
                    "kid": key.kid, "algorithm": key.algorithm, "state": key.state.rawValue, "created_at": Output.timestamp(key.createdAt),
                    "retired_at": key.retiredAt.map(Output.timestamp), "revoked_at": key.revokedAt.map(Output.timestamp),
                ]
            }
            Output.printList(rows, columns: ["kid", "algorithm", "state", "created_at"], json: json)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a previous key before its 7 days end: it leaves the JWKS and tokens it signed stop verifying.")
        @OptionGroup var target: TenantOptions
        @Argument(help: "The key's kid (from keys list).") var kid: String
        @Flag(help: "Print one JSON object: the kid revoked.") var json = false

        func run() async throws {
            let kid = self.kid
            let (outcome, tenant) = try await target.withTenant { client, tenant in
                (try await SigningKeyRepository(client: client, logger: .admin).revoke(tenantID: tenant.id, kid: kid), tenant.name)
            }
            switch outcome {
            case .revoked:
                Output.printOutcome("revoked \(kid)", fields: [("kid", kid), ("state", "revoked"), ("tenant", tenant)], json: json)
            case .notFound: throw AdminError("tenant \(tenant) has no signing key \(kid)")
            case .current: throw AdminError("key \(kid) is current: rotate first (keys rotate --tenant \(tenant)), then revoke it")
            case .alreadyRevoked: throw AdminError("key \(kid) is already revoked")
            }
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
