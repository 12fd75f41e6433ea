import Foundation
import Logging
import PasswordlessCore
import PostgresNIO

/// Applications (Auth0 "clients") in PostgreSQL.
public struct ClientRepository: Sendable {
    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func insert(_ application: Client) async throws {
        try await client.query(
            """
            INSERT INTO clients (client_id, tenant_id, name, jwt_alg, secret_hash, secret_sealed)
            VALUES (\(application.clientID), \(application.tenantID), \(application.name), \(application.signingAlgorithm.rawValue),
                    \(application.secretDigest.map { ByteBuffer(bytes: $0) }), \(application.sealedSecret.map { ByteBuffer(bytes: $0) }))
            """, logger: logger)
    }

    public func find(clientID: String) async throws -> Client? {
        let rows = try await client.query(
            "SELECT client_id, tenant_id, name, jwt_alg, secret_hash, secret_sealed FROM clients WHERE client_id = \(clientID)", logger: logger)
        for try await (id, tenant, name, algorithm, digest, sealed) in rows.decode((String, UUID, String, String, ByteBuffer?, ByteBuffer?).self) {
            return Client(
                clientID: id, tenantID: tenant, name: name, signingAlgorithm: Client.SigningAlgorithm(rawValue: algorithm) ?? .rs256,
                secretDigest: digest.map { Array(buffer: $0) }, sealedSecret: sealed.map { Array(buffer: $0) })
        }
        return nil
    }
}
