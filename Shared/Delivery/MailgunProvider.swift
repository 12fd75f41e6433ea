import DeliveryTransport
import Foundation
import PasswordlessCore

/// Mailgun's Messages API: `POST {base}/v3/{domain}/messages`, form-encoded `from`, `to`,
/// `subject`, `text`, `html`, HTTP basic auth `api:<API key>`. The base is the region's
/// (`us`: api.mailgun.net, `eu`: api.eu.mailgun.net; a domain lives in one region and the other
/// answers 404) unless `--api-base-url` names another. Mailgun has no idempotency key; the job
/// id travels as the user variable `v:job-id`, which its events echo.
///
/// Mailgun answers 200 `{"id": "<…@domain>", "message": "Queued. Thank you."}`. Refusals are
/// `{"message": …}` (or plain text): 400 (an invalid address), 401 (a bad key), 403, 404 (a
/// domain not in this region) are permanent; 429 and 5xx transient with their `Retry-After`.
public struct MailgunProvider: DeliveryProvider {
    /// The API base of each Mailgun region.
    public static let regionBaseURLs = ["us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"]
    let transport: CurlTransport

    public init(transport: CurlTransport) {
        self.transport = transport
    }

    /// The base for a connection: `--api-base-url`, else its region's (`us` when none is set).
    public static func baseURL(_ settings: ProviderSettings) -> String? {
        guard let regional = regionBaseURLs[settings.mailgunRegion ?? "us"] else { return nil }
        return ProviderHTTP.base(settings.apiBaseURL, default: regional)
    }

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let apiKey = secrets.apiKey, let domain = settings.mailgunDomain, let from = settings.from else {
            throw .permanent(reason: "the connection has no Mailgun API key, domain or sender")
        }
        guard let base = Self.baseURL(settings) else { throw .permanent(reason: "the Mailgun region is neither us nor eu") }
        var form = [("from", from), ("to", message.recipient), ("subject", message.subject), ("text", message.body)]
        if let html = message.html { form.append(("html", html)) }
        form.append(("v:job-id", message.jobID))
        let request = OutgoingHTTPRequest(
            url: "\(base)/v3/\(domain.formEncoded)/messages",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: ProviderHTTP.form(form), basicAuth: ("api", apiKey))
        let response = try await ProviderHTTP.perform(request, on: transport)
        let reply = ProviderHTTP.object(response)
        let detail = ProviderHTTP.oneLine("Mailgun: " + (reply?["message"] as? String ?? response.bodyText))
        if let failure = DeliveryError.fromHTTP(status: response.status, retryAfter: response.retryAfterSeconds, detail: detail) {
            throw failure
        }
        return reply?["id"] as? String
    }
}
