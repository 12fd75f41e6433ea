import PasswordlessCore

/// Something that sends a rendered message: Twilio, SMTP, a webhook, the outbox file, or an HTTP
/// email API (SendGrid, Mailgun, Postmark, Amazon SES).
///
/// A provider gets the job id so it can pass it on for de-duplication (an idempotency header),
/// and returns the provider's own id for the message when it has one.
public protocol DeliveryProvider: Sendable {
    func deliver(_ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets) async throws(DeliveryError) -> String?
}

extension DeliveryError {
    /// Classifies an HTTP provider's answer: 2xx is success (nil), 429 and 5xx are transient,
    /// other 4xx permanent.
    public static func fromHTTP(status: Int, retryAfter: Int?, detail: String) -> DeliveryError? {
        switch status {
        case 200..<300: nil
        case 408, 425, 429, 500...599: .transient(reason: "HTTP \(status): \(detail)", retryAfter: retryAfter)
        default: .permanent(reason: "HTTP \(status): \(detail)")
        }
    }
}
