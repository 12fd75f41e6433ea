import DeliveryTransport
import Foundation
import PasswordlessCore

/// Email over SMTP through libcurl: STARTTLS when the server offers it (or required, per
/// connection), AUTH when the connection has credentials. The message is `multipart/alternative`
/// (text and HTML) when it has an HTML part (see ``MIMEMessage``).
public struct SMTPProvider: DeliveryProvider {
    let transport: CurlTransport

    public init(transport: CurlTransport) {
        self.transport = transport
    }

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let url = settings.smtpURL, let from = settings.from else {
            throw .permanent(reason: "the connection has no SMTP URL or sender")
        }
        guard let recipient = EmailAddress(message.recipient) else { throw .permanent(reason: "invalid recipient address") }
        let text = MIMEMessage.build(
            from: from, to: recipient, subject: message.subject, body: message.body, html: message.html, messageID: message.jobID)
        let server = SMTPServer(
            url: url, username: settings.smtpUser, password: secrets.smtpPassword,
            tls: settings.smtpRequireTLS == true ? .required : .opportunistic)
        do {
            try await transport.send(OutgoingMail(from: from, recipients: [recipient.address], message: text), via: server)
        } catch {
            throw error.isTransient ? .transient(reason: error.description, retryAfter: nil) : .permanent(reason: error.description)
        }
        return nil
    }
}
