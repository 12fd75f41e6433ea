import Foundation
import PasswordlessCore

/// A message ready for a provider: the recipient, the text with the code in it, and for email
/// the subject. Holds the code in clear: it lives only in the dispatcher's memory, for one
/// delivery, and is never logged.
public struct RenderedMessage: Sendable {
    public var jobID: String
    public var recipient: String
    public var body: String
    public var subject: String

    public init(jobID: String, recipient: String, body: String, subject: String) {
        self.jobID = jobID
        self.recipient = recipient
        self.body = body
        self.subject = subject
    }

    /// Fills a connection's template: `@@password@@` and `{{code}}` become the code,
    /// `@@application.name@@` and `{{application.name}}` the application's name,
    /// `@@minutes@@` the code's lifetime in minutes.
    public static func render(
        jobID: String, code: String, recipient: String, applicationName: String, connection: Connection
    ) -> RenderedMessage {
        let template =
            connection.template ?? (connection.strategy == .email ? Connection.defaultEmailTemplate : Connection.defaultSMSTemplate)
        let minutes = String(max(1, connection.codeTTLSeconds / 60))
        let replacements = [
            ("@@application.name@@", applicationName), ("{{application.name}}", applicationName), ("@@minutes@@", minutes),
            ("@@password@@", code), ("{{code}}", code),
        ]
        var body = template
        var subject = connection.subject ?? Connection.defaultSubject
        for (placeholder, value) in replacements {
            body = body.replacingOccurrences(of: placeholder, with: value)
            subject = subject.replacingOccurrences(of: placeholder, with: value)
        }
        return RenderedMessage(jobID: jobID, recipient: recipient, body: body, subject: subject)
    }
}
