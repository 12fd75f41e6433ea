import DeliveryTransport
import Foundation
import PasswordlessCore

/// Postmark's Email API: `POST {base}/email` with `X-Postmark-Server-Token` and a JSON body of
/// `From`, `To`, `Subject`, `TextBody`, `HtmlBody` and `MessageStream` (`outbound`, the default
/// transactional stream). Postmark has no idempotency key; the job id travels in
/// `Metadata.job_id`, which its webhooks echo.
///
/// Postmark answers 200 with `MessageID`. Refusals carry `ErrorCode` and `Message`: 422 (300 an
/// invalid address, 406 an inactive recipient, 400/401 an unknown or unconfirmed sender) and 401
/// (10, a bad token) are permanent; 429 and 5xx transient with their `Retry-After`.
public struct PostmarkProvider: DeliveryProvider {
    public static let defaultBaseURL = "https://api.postmarkapp.com"
    /// The message stream for one-time codes: Postmark's default transactional stream.
    static let messageStream = "outbound"
    let transport: CurlTransport

    public init(transport: CurlTransport) {
        self.transport = transport
    }

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let token = secrets.postmarkServerToken, let from = settings.from else {
            throw .permanent(reason: "the connection has no Postmark server token or sender")
        }
        let email = Email(
            from: from, to: message.recipient, subject: message.subject, textBody: message.body, htmlBody: message.html,
            messageStream: Self.messageStream, metadata: ["job_id": message.jobID])
        let request = OutgoingHTTPRequest(
            url: ProviderHTTP.base(settings.apiBaseURL, default: Self.defaultBaseURL) + "/email",
            headers: [("Accept", "application/json"), ("Content-Type", "application/json"), ("X-Postmark-Server-Token", token)],
            body: ProviderHTTP.json(email))
        let response = try await ProviderHTTP.perform(request, on: transport)
        let reply = ProviderHTTP.object(response)
        if let failure = DeliveryError.fromHTTP(
            status: response.status, retryAfter: response.retryAfterSeconds, detail: Self.describe(reply))
        {
            throw failure
        }
        return reply?["MessageID"] as? String
    }

    /// Postmark's `{"ErrorCode": 300, "Message": "…"}` as one line.
    static func describe(_ reply: [String: Any]?) -> String {
        guard let reply else { return "Postmark: no JSON body" }
        let code = (reply["ErrorCode"] as? Int).map { "Postmark error \($0)" } ?? "Postmark"
        return ProviderHTTP.oneLine("\(code): \(reply["Message"] as? String ?? "")")
    }

    /// The Email API body, as Postmark names its members.
    struct Email: Encodable {
        var from: String
        var to: String
        var subject: String
        var textBody: String
        var htmlBody: String?
        var messageStream: String
        var metadata: [String: String]

        enum CodingKeys: String, CodingKey {
            case from = "From", to = "To", subject = "Subject", textBody = "TextBody", htmlBody = "HtmlBody"
            case messageStream = "MessageStream", metadata = "Metadata"
        }
    }
}
