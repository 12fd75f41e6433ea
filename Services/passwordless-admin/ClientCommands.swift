import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO

/// `passwordless-admin client create|list|show|update|delete|rotate-secret`.
///
/// Secrets are printed once, by `create` and `rotate-secret`; nothing else shows them.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client", abstract: "Manage applications.",
        subcommands: [Create.self, List.self, Show.self, Update.self, Delete.self, RotateSecret.self])

    /// The flags `create` and `update` share; on `update`, a flag not given leaves the field as it is.
    struct Settings: ParsableArguments {
        @Option(help: "The application's name (shown in messages as @@application.name@@).") var name: String?
        @Option(help: "public (single-page or native app, no secret) or confidential (a backend with a secret).") var type: String?
        @Option(name: .customLong("jwt-alg"), help: "How id_tokens are signed: RS256 or ES256 (tenant key, JWKS) or HS256 (client secret).")
        var jwtAlg: String?
        @Option(help: "Allowed redirect_uris, comma-separated, matched exactly.") var callbacks: String?
        @Option(
            name: .customLong("web-origins"), help: "Origins whose pages may call the API (CORS), comma-separated: https://app.example.com")
        var webOrigins: String?
        @Option(
            name: .customLong("grant-types"),
            help: "Comma-separated: otp, authorization_code, implicit, password (default otp,authorization_code,password).")
        var grantTypes: String?

        func validate() throws {
            if let name {
                guard !name.trimmingCharacters(in: .whitespaces).isEmpty, name.count <= 100 else {
                    throw ValidationError("--name must be 1 to 100 characters")
                }
            }
            if let type {
                guard Client.Kind(rawValue: type.lowercased()) != nil else {
                    throw ValidationError("--type must be public or confidential")
                }
            }
            if let jwtAlg {
                guard Client.SigningAlgorithm(rawValue: jwtAlg.uppercased()) != nil else {
                    throw ValidationError("--jwt-alg must be RS256, ES256 or HS256")
                }
            }
            for callback in CommaList.parse(callbacks) { try Self.checkCallback(callback) }
            for origin in CommaList.parse(webOrigins) { try Self.checkOrigin(origin) }
            for grant in CommaList.parse(grantTypes) where Client.GrantType(rawValue: grant) == nil {
                throw ValidationError("--grant-types takes otp, authorization_code, implicit and password (unknown: \(grant))")
            }
        }

        /// An absolute URL without a fragment; `http` only for the local machine (development).
        static func checkCallback(_ text: String) throws {
            guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty,
                url.fragment == nil
            else { throw ValidationError("--callbacks: \(text) is not an absolute URL without a fragment") }
            guard
                scheme == "https" || (scheme == "http" && ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host.lowercased()))
                    || !["http", "https"].contains(scheme)
            else { throw ValidationError("--callbacks: \(text) must use https (http only for localhost)") }
        }

        /// `scheme://host[:port]`, nothing more.
        static func checkOrigin(_ text: String) throws {
            guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil,
                url.user == nil
            else { throw ValidationError("--web-origins: \(text) is not an origin (scheme://host[:port], no path)") }
        }

        /// Applies the given flags to `client`; returns a new secret when the client needs one it
        /// did not have (a public client made confidential, or HS256).
        func apply(to client: inout Client, hasher: CredentialHasher, box: SecretBox) throws -> String? {
            if let name { client.name = name }
            if let jwtAlg { client.signingAlgorithm = Client.SigningAlgorithm(rawValue: jwtAlg.uppercased())! }
            if let type { client.kind = Client.Kind(rawValue: type.lowercased())! }
            if client.signingAlgorithm == .hs256 {
                guard type == nil || client.kind == .confidential else {
                    throw ValidationError("an HS256 client is confidential (it signs with its secret)")
                }
                client.kind = .confidential
            }
            if callbacks != nil { client.callbacks = CommaList.parse(callbacks) }
            if webOrigins != nil { client.webOrigins = CommaList.parse(webOrigins).map(Client.normalizedOrigin) }
            if grantTypes != nil { client.grantTypes = CommaList.parse(grantTypes).compactMap(Client.GrantType.init(rawValue:)) }
            var newSecret: String?
            switch client.kind {
            case .public:
                client.secretDigest = nil
                client.sealedSecret = nil
            case .confidential:
                if client.secretDigest == nil || (client.signingAlgorithm == .hs256 && client.sealedSecret == nil) {
                    let secret = CredentialHasher.generate(bytes: 48)
                    ClientCommand.setSecret(secret, on: &client, hasher: hasher, box: box)
                    newSecret = secret
                }
                if client.signingAlgorithm != .hs256 { client.sealedSecret = nil }
            }
            return newSecret
        }
    }

    static func setSecret(_ secret: String, on client: inout Client, hasher: CredentialHasher, box: SecretBox) {
        client.secretDigest = hasher.digest(secret)
        client.sealedSecret = client.signingAlgorithm == .hs256 ? box.seal(secret, context: client.sealingContext) : nil
    }

    /// What `show`, `list` and `update` print of a client (never its secret).
    static func fields(_ client: Client, tenant: String) -> KeyValuePairs<String, (any Sendable)?> {
        [
            "client_id": client.clientID, "name": client.name, "tenant": tenant, "type": client.kind.rawValue,
            "jwt_alg": client.signingAlgorithm.rawValue, "callbacks": client.callbacks, "web_origins": client.webOrigins,
            "grant_types": client.grantTypes.map(\.rawValue),
        ]
    }

    /// Prints a client with the secret that was just made for it (none: printed as ``fields(_:tenant:)``).
    static func printCreated(_ client: Client, tenant: String, secret: String?, json: Bool) {
        var fields: Output.Fields = Self.fields(client, tenant: tenant).map { (key: $0.key, value: $0.value) }
        fields.insert((key: "client_secret", value: secret), at: 1)
        Output.print(fields, json: json)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an application. A confidential client's secret is printed once, here.")

        @OptionGroup var target: TenantOptions
        @OptionGroup var settings: Settings
        @Flag(help: "Same as --type confidential.") var secret = false
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            guard settings.name != nil else { throw ValidationError("--name is required") }
            if secret, let type = settings.type, type.lowercased() != "confidential" {
                throw ValidationError("--secret means --type confidential")
            }
        }

        func run() async throws {
            let masterKey = try target.store.masterKey()
            let (hasher, box) = (CredentialHasher(masterKey: masterKey), SecretBox(masterKey: masterKey, purpose: .secretsAtRest))
            var application = Client(
                clientID: Client.generateID(), tenantID: UUID(), name: "", signingAlgorithm: .rs256, secretDigest: nil, sealedSecret: nil,
                kind: secret ? .confidential : .public)
            let clientSecret = try settings.apply(to: &application, hasher: hasher, box: box)
            let created = application
            let tenantName = try await target.withTenant { client, tenant in
                var application = created
                application.tenantID = tenant.id
                try await ClientRepository(client: client, logger: .admin).insert(application)
                try await ClientCommand.ensureTenantKey(for: application, tenant: tenant, client: client, box: box)
                return tenant.name
            }
            ClientCommand.printCreated(created, tenant: tenantName, secret: clientSecret, json: json)
        }
    }

    /// A tenant gets its ES256 key with its first ES256 client (every tenant has an RS256 key).
    static func ensureTenantKey(for application: Client, tenant: Tenant, client: PostgresClient, box: SecretBox) async throws {
        guard application.signingAlgorithm == .es256 else { return }
        let keys = try await SigningKeyRepository(client: client, logger: .admin).published(tenantID: tenant.id)
        if !keys.contains(where: { $0.algorithm == Client.SigningAlgorithm.es256.rawValue && $0.retiredAt == nil }) {
            try await KeysCommand.rotate(tenant: tenant, client: client, box: box, algorithm: .es256)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's applications (never their secrets).")
        @OptionGroup var target: TenantOptions
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let (clients, name) = try await target.withTenant { client, tenant in
                (try await ClientRepository(client: client, logger: .admin).list(tenantID: tenant.id), tenant.name)
            }
            Output.printList(
                clients.map { ClientCommand.fields($0, tenant: name) }, columns: ["client_id", "name", "type", "jwt_alg", "grant_types"],
                json: json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one application (never its secret).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The client_id.") var clientID: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let (client, tenant) = try await ClientCommand.load(clientID, store: store)
            Output.print(ClientCommand.fields(client, tenant: tenant), json: json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change an application; flags not given stay as they are. A client made confidential gets a secret, printed once.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The client_id.") var clientID: String
        @OptionGroup var settings: Settings
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let masterKey = try store.masterKey()
            let (hasher, box) = (CredentialHasher(masterKey: masterKey), SecretBox(masterKey: masterKey, purpose: .secretsAtRest))
            let (clientID, settings) = (self.clientID, self.settings)
            let (updated, tenant, secret) = try await store.withPostgres { postgres in
                let repository = ClientRepository(client: postgres, logger: .admin)
                guard var client = try await repository.find(clientID: clientID),
                    let tenant = try await TenantRepository(client: postgres, logger: .admin).find(id: client.tenantID)
                else { throw ValidationError("no client with id \(clientID)") }
                if settings.jwtAlg?.uppercased() == "HS256", client.signingAlgorithm != .hs256, client.secretDigest != nil {
                    // HS256 signs with the secret itself, which only a fresh secret lets us keep sealed.
                    client.secretDigest = nil
                }
                let secret = try settings.apply(to: &client, hasher: hasher, box: box)
                try await repository.update(client)
                try await ClientCommand.ensureTenantKey(for: client, tenant: tenant, client: postgres, box: box)
                return (client, tenant.name, secret)
            }
            ClientCommand.printCreated(updated, tenant: tenant, secret: secret, json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an application; its tokens stop being issued at once (caches: 10 s).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The client_id.") var clientID: String
        @Flag(help: "Print one JSON object: the client_id deleted.") var json = false

        func run() async throws {
            let clientID = self.clientID
            let deleted = try await store.withPostgres { client in
                try await ClientRepository(client: client, logger: .admin).delete(clientID: clientID)
            }
            guard deleted else { throw ValidationError("no client with id \(clientID)") }
            Output.printOutcome("deleted \(clientID)", fields: [("client_id", clientID), ("deleted", true)], json: json)
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Give a confidential application a new secret (printed once); the old one stops working.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The client_id.") var clientID: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let masterKey = try store.masterKey()
            let (hasher, box) = (CredentialHasher(masterKey: masterKey), SecretBox(masterKey: masterKey, purpose: .secretsAtRest))
            let clientID = self.clientID
            let secret = CredentialHasher.generate(bytes: 48)
            try await store.withPostgres { postgres in
                let repository = ClientRepository(client: postgres, logger: .admin)
                guard var client = try await repository.find(clientID: clientID) else {
                    throw ValidationError("no client with id \(clientID)")
                }
                guard client.kind == .confidential else {
                    throw ValidationError(
                        "client \(clientID) is public and has no secret (make it confidential with: client update --type confidential)")
                }
                ClientCommand.setSecret(secret, on: &client, hasher: hasher, box: box)
                try await repository.update(client)
            }
            Output.print(["client_id": clientID, "client_secret": secret], json: json)
        }
    }

    /// The client and its tenant's name, or a one-line error.
    static func load(_ clientID: String, store: StoreOptions) async throws -> (Client, String) {
        try await store.withPostgres { postgres in
            guard let client = try await ClientRepository(client: postgres, logger: .admin).find(clientID: clientID),
                let tenant = try await TenantRepository(client: postgres, logger: .admin).find(id: client.tenantID)
            else { throw ValidationError("no client with id \(clientID)") }
            return (client, tenant.name)
        }
    }
}
