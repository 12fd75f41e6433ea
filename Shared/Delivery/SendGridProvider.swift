import DeliveryTransport
import Foundation
import PasswordlessCore

/// SendGrid's v3 Mail Send API: `POST {base}/v3/mail/send` with `Authorization: Bearer <API key>`
/// and a JSON body of `personalizations` (the recipient), `from`, `subject` and `content`
/// (`text/plain` first, then `text/html`, the order SendGrid requires). SendGrid has no
/// idempotency key; the job id travels in `custom_args.job_id`, which its event webhook echoes.
///
/// SendGrid answers 202 with the message id in `X-Message-Id`. Its refusals are `{"errors":
/// [{"message", "field"}]}`: 400 (an invalid address), 401/403 (a bad key, an unverified sender)
/// are permanent; 429 and 5xx transient, with `Retry-After` or else its `X-RateLimit-Reset`.
public struct SendGridProvider: DeliveryProvider {
    public static let defaultBaseURL = "https://api.sendgrid.com"
    let transport: CurlTransport

    public init(transport: CurlTransport) {
        self.transport = transport
    }

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let apiKey = secrets.apiKey, let from = settings.from else {
            throw .permanent(reason: "the connection has no SendGrid API key or sender")
        }
        var content = [Mail.Content(type: "text/plain", value: message.body)]
        if let html = message.html { content.append(Mail.Content(type: "text/html", value: html)) }
        let mail = Mail(
            personalizations: [Mail.Personalization(to: [Mail.Address(email: message.recipient)])], from: Mail.Address(email: from),
            subject: message.subject, content: content, customArgs: ["job_id": message.jobID])
        let request = OutgoingHTTPRequest(
            url: ProviderHTTP.base(settings.apiBaseURL, default: Self.defaultBaseURL) + "/v3/mail/send",
            headers: [("Authorization", "Bearer \(apiKey)"), ("Content-Type", "application/json")],
            body: ProviderHTTP.json(mail))
        let response = try await ProviderHTTP.perform(request, on: transport)
        let retryAfter = response.retryAfterSeconds ?? Self.secondsUntilReset(response)
        if let failure = DeliveryError.fromHTTP(status: response.status, retryAfter: retryAfter, detail: Self.describe(response)) {
            throw failure
        }
        return response.headers["x-message-id"]
    }

    /// `X-RateLimit-Reset` (a Unix time) as seconds from now, for a 429 without `Retry-After`.
    static func secondsUntilReset(_ response: IncomingHTTPResponse) -> Int? {
        guard let reset = response.headers["x-ratelimit-reset"].flatMap({ Int($0) }) else { return nil }
        return max(1, reset - Int(Date().timeIntervalSince1970))
    }

    /// SendGrid's `errors` as one line: `SendGrid: <message> (<field>); …`.
    static func describe(_ response: IncomingHTTPResponse) -> String {
        guard let errors = ProviderHTTP.object(response)?["errors"] as? [[String: Any]], !errors.isEmpty else { return "SendGrid" }
        let messages = errors.map { error in
            let text = error["message"] as? String ?? "error"
            return (error["field"] as? String).map { "\(text) (\($0))" } ?? text
        }
        return ProviderHTTP.oneLine("SendGrid: " + messages.joined(separator: "; "))
    }

    /// The Mail Send body, as SendGrid names its members.
    struct Mail: Encodable {
        struct Address: Encodable { var email: String }
        struct Personalization: Encodable { var to: [Address] }
        struct Content: Encodable {
            var type: String
            var value: String
        }
        var personalizations: [Personalization]
        var from: Address
        var subject: String
        var content: [Content]
        var customArgs: [String: String]

        enum CodingKeys: String, CodingKey {
            case personalizations, from, subject, content
            case customArgs = "custom_args"
        }
    }
}
