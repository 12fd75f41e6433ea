import Foundation
import Logging
import PasswordlessCore
import PostgresNIO

/// Connections (strategy, provider, settings, sealed credentials) in PostgreSQL, read with their
/// templates per language (``ConnectionTemplate``; written through `+Templates`).
public struct ConnectionRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    public func insert(_ connection: Connection) async throws {
        let settings = String(decoding: try JSONEncoder().encode(connection.settings), as: UTF8.self)
        let limits = String(decoding: try JSONEncoder().encode(connection.limits), as: UTF8.self)
        try await client.query(
            """
            INSERT INTO connections (id, tenant_id, name, strategy, provider, settings, credentials_sealed, template, subject,
                                     code_length, code_ttl_seconds, disable_signup, limits, html_template, fallback_connection_id,
                                     default_language)
            VALUES (\(connection.id), \(connection.tenantID), \(connection.name), \(connection.strategy.rawValue),
                    \(connection.provider.rawValue), \(settings)::jsonb, \(connection.sealedCredentials.map { ByteBuffer(bytes: $0) }),
                    \(connection.template), \(connection.subject), \(connection.codeLength), \(connection.codeTTLSeconds),
                    \(connection.disableSignup), \(limits)::jsonb, \(connection.htmlTemplate), \(connection.fallbackConnectionID),
                    \(connection.defaultLanguage))
            """, logger: logger)
    }

    /// Rewrites every field of the connection `connection.id` names but its id, tenant and name
    /// (those identify it) and its templates (`setTemplate`, `deleteTemplate`); true when it existed.
    @discardableResult
    public func update(_ connection: Connection) async throws -> Bool {
        let settings = String(decoding: try JSONEncoder().encode(connection.settings), as: UTF8.self)
        let limits = String(decoding: try JSONEncoder().encode(connection.limits), as: UTF8.self)
        let rows = try await client.query(
            """
            UPDATE connections SET strategy = \(connection.strategy.rawValue), provider = \(connection.provider.rawValue),
                settings = \(settings)::jsonb, credentials_sealed = \(connection.sealedCredentials.map { ByteBuffer(bytes: $0) }),
                template = \(connection.template), subject = \(connection.subject), code_length = \(connection.codeLength),
                code_ttl_seconds = \(connection.codeTTLSeconds), disable_signup = \(connection.disableSignup), limits = \(limits)::jsonb,
                html_template = \(connection.htmlTemplate), fallback_connection_id = \(connection.fallbackConnectionID),
                default_language = \(connection.defaultLanguage)
            WHERE id = \(connection.id) RETURNING id
            """, logger: logger)
        return try await rows.collect().count == 1
    }

    public func find(tenantID: UUID, name: String) async throws -> Connection? {
        try await rows(client.query("\(unescaped: Self.columns) WHERE tenant_id = \(tenantID) AND name = \(name)", logger: logger)).first
    }

    public func find(id: UUID) async throws -> Connection? {
        try await rows(client.query("\(unescaped: Self.columns) WHERE id = \(id)", logger: logger)).first
    }

    /// The tenant's connections, by name.
    public func all(tenantID: UUID) async throws -> [Connection] {
        try await rows(client.query("\(unescaped: Self.columns) WHERE tenant_id = \(tenantID) ORDER BY name", logger: logger))
    }

    /// Deletes the connection and, through the schema's cascade, its users and templates; true
    /// when it existed. Connections that fall back to it lose their fallback (`ON DELETE SET NULL`).
    @discardableResult
    public func delete(id: UUID) async throws -> Bool {
        try await client.query("DELETE FROM connections WHERE id = \(id) RETURNING id", logger: logger).collect().count == 1
    }

    static let columns = """
        SELECT id, tenant_id, name, strategy, provider, settings::text, credentials_sealed, template, subject,
               code_length, code_ttl_seconds, disable_signup, limits::text, html_template, fallback_connection_id, default_language,
               (SELECT coalesce(json_agg(json_build_object('language', t.language, 'subject', t.subject, 'body', t.body, 'html', t.html)),
                                '[]')::text
                FROM connection_templates t WHERE t.connection_id = connections.id)
        FROM connections
        """

    private func rows(_ sequence: PostgresRowSequence) async throws -> [Connection] {
        var connections: [Connection] = []
        for try await row in sequence {
            let (
                id, tenant, name, strategy, provider, settings, sealed, template, subject, length, ttl, disableSignup, limits, html,
                fallback
            ) =
                try row.decode(
                    (UUID, UUID, String, String, String, String, ByteBuffer?, String?, String?, Int, Int, Bool, String, String?, UUID?).self
                )
            let columns = row.makeRandomAccess()
            let defaultLanguage = try columns[15].decode(String?.self)
            let templates = try JSONDecoder().decode([ConnectionTemplate].self, from: Data(try columns[16].decode(String.self).utf8))
            var connection =
                Connection(
                    id: id, tenantID: tenant, name: name, strategy: Connection.Strategy(rawValue: strategy) ?? .sms,
                    provider: Connection.Provider(rawValue: provider) ?? .outbox,
                    settings: try JSONDecoder().decode(ProviderSettings.self, from: Data(settings.utf8)),
                    sealedCredentials: sealed.map { Array(buffer: $0) }, template: template, subject: subject, codeLength: length,
                    codeTTLSeconds: ttl, disableSignup: disableSignup)
            connection.limits = try JSONDecoder().decode(ConnectionLimits.self, from: Data(limits.utf8))
            connection.htmlTemplate = html
            connection.fallbackConnectionID = fallback
            connection.defaultLanguage = defaultLanguage
            connection.templates = Dictionary(templates.map { ($0.language, $0) }) { first, _ in first }
            connections.append(connection)
        }
        return connections
    }
}
