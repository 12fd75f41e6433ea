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
        return RenderedMessage(
            jobID: jobID, recipient: recipient, body: fill(template, replacements),
            subject: fill(connection.subject ?? Connection.defaultSubject, replacements))
    }

    /// `template` with each placeholder replaced, in one pass: a value is never searched for
    /// placeholders itself (an application named `@@password@@` stays that name).
    static func fill(_ template: String, _ replacements: [(placeholder: String, value: String)]) -> String {
        let bytes = Array(template.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 32)
        var index = 0
        scanning: while index < bytes.count {
            if bytes[index] == UInt8(ascii: "@") || bytes[index] == UInt8(ascii: "{") {
                for (placeholder, value) in replacements {
                    let pattern = placeholder.utf8
                    if bytes.count - index >= pattern.count, bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
                        out += value.utf8
                        index += pattern.count
                        continue scanning
                    }
                }
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
