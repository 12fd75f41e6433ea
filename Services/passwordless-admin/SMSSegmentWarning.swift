import Delivery
import Foundation
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO

/// The warning an SMS template gets when it is set and needs more than one segment: each segment
/// is billed, and the operator may not notice that one accented letter turned a message into UCS-2.
enum SMSSegmentWarning {
    /// The segments of `connection`'s SMS in `language` (nil: its own template), rendered as the
    /// dispatcher renders it, with a code of the connection's length and `applicationName`; nil
    /// for an email connection.
    static func segments(of connection: Connection, language: String?, applicationName: String) -> SMSSegments? {
        guard connection.strategy == .sms,
            let message = try? RenderedMessage.render(
                jobID: "preview", code: String(repeating: "0", count: connection.codeLength), recipient: "+10000000000",
                applicationName: applicationName, connection: connection, language: language)
        else { return nil }
        return SMSSegments(message.body)
    }

    /// The warning for that SMS; nil when it fits one segment or the connection sends email.
    static func text(for connection: Connection, language: String?, applicationName: String) -> String? {
        guard let segments = segments(of: connection, language: language, applicationName: applicationName), segments.count > 1
        else { return nil }
        return "warning: the \(language.map { "\($0) " } ?? "")SMS needs \(segments) with a \(connection.codeLength)-digit code "
            + "and the application name \"\(applicationName)\"; each segment is billed"
    }

    /// The longest name among the tenant's applications (the one that makes the SMS longest), or
    /// the tenant's name when it has none.
    static func applicationName(tenant: Tenant, client: PostgresClient) async throws -> String {
        let names = try await ClientRepository(client: client, logger: .admin).list(tenantID: tenant.id).map(\.name)
        return names.max { $0.count < $1.count } ?? tenant.name
    }

    /// Prints `warning` on standard error (it is not part of the `--json` output).
    static func print(_ warning: String?) {
        guard let warning else { return }
        FileHandle.standardError.write(Data((warning + "\n").utf8))
    }
}
