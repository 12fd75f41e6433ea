import DeliveryTransport
import Foundation
import PasswordlessCore

/// Amazon SES API v2 SendEmail: `POST {base}/v2/email/outbound-emails`, where the base is
/// `https://email.<region>.amazonaws.com` unless `--api-base-url` names another, signed with AWS
/// Signature Version 4 (service `ses`). The JSON body has `FromEmailAddress`,
/// `Destination.ToAddresses` and `Content.Simple` (`Subject`, `Body.Text`, `Body.Html`, each
/// `Data` with `Charset` UTF-8). SES has no idempotency key; the job id travels as the message
/// tag `job_id`, which its event destinations echo.
///
/// SES answers 200 `{"MessageId": …}`. Refusals name their type in `X-Amzn-ErrorType` (or the
/// body's `__type`/`code`), and the type decides, not only the status: `TooManyRequestsException`,
/// `LimitExceededException` (a 400) and throttling are transient, like 5xx; `MessageRejected`,
/// `MailFromDomainNotVerifiedException`, `BadRequestException`, `AccountSuspendedException`,
/// `SendingPausedException` and 401/403 (a bad key or signature) are permanent.
public struct SESProvider: DeliveryProvider {
    static let path = "/v2/email/outbound-emails"
    /// Error types SES uses for "not now": retried like 429 whatever their status.
    static let transientErrorTypes: Set<String> = [
        "TooManyRequestsException", "LimitExceededException", "ThrottlingException", "Throttling", "ServiceUnavailable",
        "InternalFailure",
    ]
    let transport: CurlTransport

    public init(transport: CurlTransport) {
        self.transport = transport
    }

    /// SES's endpoint in `region`.
    public static func defaultBaseURL(region: String) -> String { "https://email.\(region).amazonaws.com" }

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let keyID = settings.awsAccessKeyID, let secret = secrets.awsSecretAccessKey, let region = settings.awsRegion,
            let from = settings.from
        else { throw .permanent(reason: "the connection has no AWS access key, secret key, region or sender") }
        let base = ProviderHTTP.base(settings.apiBaseURL, default: Self.defaultBaseURL(region: region))
        guard let url = URLComponents(string: base + Self.path), let host = url.host else {
            throw .permanent(reason: "the SES base URL has no host")
        }
        let body = ProviderHTTP.json(Self.request(message, from: from))
        var headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("Host", url.port.map { "\(host):\($0)" } ?? host),
        ]
        let signer = AWSSignatureV4(accessKeyID: keyID, secretAccessKey: secret, region: region, service: "ses")
        headers += signer.sign(method: "POST", path: url.percentEncodedPath, headers: headers, payload: body, date: Date())
        let response = try await ProviderHTTP.perform(
            OutgoingHTTPRequest(url: base + Self.path, headers: headers, body: body), on: transport)
        let reply = ProviderHTTP.object(response)
        if let failure = Self.classify(response, reply: reply) { throw failure }
        return reply?["MessageId"] as? String
    }

    /// The refusal an SES answer means, or nil for success; `reply` is its body as a JSON object.
    public static func classify(_ response: IncomingHTTPResponse, reply: [String: Any]?) -> DeliveryError? {
        guard !(200..<300).contains(response.status) else { return nil }
        let type = errorType(response, reply: reply)
        let text = reply?["message"] as? String ?? reply?["Message"] as? String ?? ""
        let detail = ProviderHTTP.oneLine("SES \(type ?? "error"): \(text)")
        if let type, transientErrorTypes.contains(type) {
            return .transient(reason: "HTTP \(response.status): \(detail)", retryAfter: response.retryAfterSeconds)
        }
        return DeliveryError.fromHTTP(status: response.status, retryAfter: response.retryAfterSeconds, detail: detail)
    }

    /// The error's type: `X-Amzn-ErrorType` (`MessageRejected:http://…` → `MessageRejected`), else
    /// the body's `__type` (`com.amazonaws…#MessageRejected` → `MessageRejected`) or `code`.
    static func errorType(_ response: IncomingHTTPResponse, reply: [String: Any]?) -> String? {
        let raw = response.headers["x-amzn-errortype"] ?? reply?["__type"] as? String ?? reply?["code"] as? String
        guard let raw else { return nil }
        let named = raw.split(separator: ":").first.map(String.init) ?? raw
        return named.split(separator: "#").last.map(String.init) ?? named
    }

    /// The SendEmail body.
    static func request(_ message: RenderedMessage, from: String) -> SendEmail {
        let utf8 = { (text: String) in SendEmail.Text(data: text, charset: "UTF-8") }
        return SendEmail(
            fromEmailAddress: from, destination: .init(toAddresses: [message.recipient]),
            content: .init(
                simple: .init(
                    subject: utf8(message.subject), body: .init(text: utf8(message.body), html: message.html.map(utf8)))),
            emailTags: [.init(name: "job_id", value: message.jobID)])
    }

    /// SES v2's SendEmail request, as AWS names its members.
    struct SendEmail: Encodable {
        struct Text: Encodable {
            var data: String
            var charset: String
            enum CodingKeys: String, CodingKey { case data = "Data", charset = "Charset" }
        }
        struct Body: Encodable {
            var text: Text
            var html: Text?
            enum CodingKeys: String, CodingKey { case text = "Text", html = "Html" }
        }
        struct Simple: Encodable {
            var subject: Text
            var body: Body
            enum CodingKeys: String, CodingKey { case subject = "Subject", body = "Body" }
        }
        struct Content: Encodable {
            var simple: Simple
            enum CodingKeys: String, CodingKey { case simple = "Simple" }
        }
        struct Destination: Encodable {
            var toAddresses: [String]
            enum CodingKeys: String, CodingKey { case toAddresses = "ToAddresses" }
        }
        struct Tag: Encodable {
            var name: String
            var value: String
            enum CodingKeys: String, CodingKey { case name = "Name", value = "Value" }
        }
        var fromEmailAddress: String
        var destination: Destination
        var content: Content
        var emailTags: [Tag]
        enum CodingKeys: String, CodingKey {
            case fromEmailAddress = "FromEmailAddress", destination = "Destination", content = "Content", emailTags = "EmailTags"
        }
    }
}
