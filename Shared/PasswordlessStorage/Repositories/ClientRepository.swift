import Foundation
import Logging
import PasswordlessCore
import PostgresNIO

/// Applications (Auth0 "clients") in PostgreSQL. All SQL about clients lives here.
public struct ClientRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    public func insert(_ application: Client) async throws {
        try await client.query(
            """
            INSERT INTO clients (client_id, tenant_id, name, jwt_alg, secret_hash, secret_sealed, app_type, callbacks, web_origins, grant_types)
            VALUES (\(application.clientID), \(application.tenantID), \(application.name), \(application.signingAlgorithm.rawValue),
                    \(application.secretDigest.map { ByteBuffer(bytes: $0) }), \(application.sealedSecret.map { ByteBuffer(bytes: $0) }),
                    \(application.kind.rawValue), \(application.callbacks), \(application.webOrigins), \(application.grantTypes.map(\.rawValue)))
            """, logger: logger)
    }

    /// Writes every field but the id and the tenant.
    public func update(_ application: Client) async throws {
        try await client.query(
            """
            UPDATE clients SET name = \(application.name), jwt_alg = \(application.signingAlgorithm.rawValue),
                secret_hash = \(application.secretDigest.map { ByteBuffer(bytes: $0) }),
                secret_sealed = \(application.sealedSecret.map { ByteBuffer(bytes: $0) }), app_type = \(application.kind.rawValue),
                callbacks = \(application.callbacks), web_origins = \(application.webOrigins),
                grant_types = \(application.grantTypes.map(\.rawValue))
            WHERE client_id = \(application.clientID)
            """, logger: logger)
    }

    /// Whether a client was deleted.
    public func delete(clientID: String) async throws -> Bool {
        let rows = try await client.query("DELETE FROM clients WHERE client_id = \(clientID) RETURNING client_id", logger: logger)
        for try await _ in rows { return true }
        return false
    }

    public func find(clientID: String) async throws -> Client? {
        try await rows(client.query("\(unescaped: Self.columns) WHERE client_id = \(clientID)", logger: logger)).first
    }

    /// A tenant's clients, by name.
    public func list(tenantID: UUID) async throws -> [Client] {
        try await rows(client.query("\(unescaped: Self.columns) WHERE tenant_id = \(tenantID) ORDER BY name, client_id", logger: logger))
    }

    /// Every origin some client lists in its web origins: the CORS preflight's allow-list.
    public func allWebOrigins() async throws -> Set<String> {
        var origins: Set<String> = []
        let rows = try await client.query("SELECT DISTINCT unnest(web_origins) FROM clients", logger: logger)
        for try await origin in rows.decode(String.self) { origins.insert(origin) }
        return origins
    }

    static let columns =
        "SELECT client_id, tenant_id, name, jwt_alg, secret_hash, secret_sealed, app_type, callbacks, web_origins, grant_types FROM clients"

    private func rows(_ sequence: PostgresRowSequence) async throws -> [Client] {
        var clients: [Client] = []
        for try await (id, tenant, name, algorithm, digest, sealed, kind, callbacks, origins, grants) in sequence.decode(
            (String, UUID, String, String, ByteBuffer?, ByteBuffer?, String, [String], [String], [String]).self)
        {
            clients.append(
                Client(
                    clientID: id, tenantID: tenant, name: name, signingAlgorithm: Client.SigningAlgorithm(rawValue: algorithm) ?? .rs256,
                    secretDigest: digest.map { Array(buffer: $0) }, sealedSecret: sealed.map { Array(buffer: $0) },
                    kind: Client.Kind(rawValue: kind) ?? .confidential, callbacks: callbacks, webOrigins: origins,
                    grantTypes: grants.compactMap(Client.GrantType.init(rawValue:))))
        }
        return clients
    }
}
