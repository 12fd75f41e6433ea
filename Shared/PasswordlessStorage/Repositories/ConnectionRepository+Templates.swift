import Foundation
import PasswordlessCore
import PostgresNIO

extension ConnectionRepository {
    /// Stores `template` as the connection's message in its language, replacing the one there was.
    public func setTemplate(_ template: ConnectionTemplate, connectionID: UUID) async throws {
        try await client.query(
            """
            INSERT INTO connection_templates (connection_id, language, subject, body, html)
            VALUES (\(connectionID), \(template.language), \(template.subject), \(template.body), \(template.html))
            ON CONFLICT (connection_id, language) DO UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body, html = EXCLUDED.html
            """, logger: logger)
    }

    /// Deletes the connection's template in `language`; true when there was one.
    @discardableResult
    public func deleteTemplate(language: String, connectionID: UUID) async throws -> Bool {
        let rows = try await client.query(
            "DELETE FROM connection_templates WHERE connection_id = \(connectionID) AND language = \(language) RETURNING language",
            logger: logger)
        return try await rows.collect().count == 1
    }
}
