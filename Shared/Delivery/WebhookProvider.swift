import DeliveryTransport
import Foundation
import PasswordlessCore

/// Auth0's custom SMS gateway: `POST` JSON `{"recipient","body","sender"}` to the connection's
/// URL, with `Authorization: Bearer <secret>` when one is set and the job id in `Idempotency-Key`.
/// Email adds `"html"`, the HTML part (`body` is then the text part).
public struct WebhookProvider: DeliveryProvider {
    let transport: CurlTransport

    public init(transport: CurlTransport) {
        self.transport = transport
    }

    public func deliver(
        _ message: RenderedMessage, settings: ProviderSettings, secrets: ProviderSecrets
    ) async throws(DeliveryError) -> String? {
        guard let url = settings.webhookURL else { throw .permanent(reason: "the connection has no webhook URL") }
        var headers = [("Content-Type", "application/json"), ("Idempotency-Key", message.jobID)]
        if let secret = secrets.webhookSecret { headers.append(("Authorization", "Bearer \(secret)")) }
        var payload = ["recipient": message.recipient, "body": message.body]
        if let from = settings.from { payload["sender"] = from }
        payload["html"] = message.html
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let body = (try? encoder.encode(payload)) ?? Data()
        let response = try await ProviderHTTP.perform(OutgoingHTTPRequest(url: url, headers: headers, body: Array(body)), on: transport)
        if let failure = DeliveryError.fromHTTP(status: response.status, retryAfter: response.retryAfterSeconds, detail: "webhook") {
            throw failure
        }
        return nil
    }
}
