import Delivery
import DeliveryTransport
import Foundation
import JobQueue
import Logging
import PasswordlessCore
import TenantDirectory

/// Posts a hook event job to its hook: the body as emitted, signed at this attempt
/// (`Passwordless-Signature: t=<now>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`).
///
/// The answer is classified like every HTTP provider's
/// (``DeliveryError/fromHTTP(status:retryAfter:detail:)``): 2xx is delivered; 408, 425, 429, 5xx
/// and network trouble are worth a retry (`Retry-After` honoured); any other status is permanent,
/// and so is a hook deleted since the event.
struct HookDeliverer: Sendable {
    let directory: Directory
    let secrets: SecretBox
    let transport: CurlTransport

    static let userAgent = "Passwordless-Hooks/1"
    /// What the delivery metrics and logs call the hook "provider".
    static let provider = "hook"

    func attempt(_ job: SendJob, _ event: HookEventJob) async -> JobDeliverer.Attempt {
        var attempt = JobDeliverer.Attempt(
            outcome: .delivered, job: job, provider: Self.provider,
            metadata: ["job": "\(job.id)", "attempt": "\(job.attempts + 1)", "event": "\(event.type.rawValue)"])
        do {
            try await post(job, event)
        } catch {
            attempt.outcome = JobDeliverer.outcome(error)
        }
        return attempt
    }

    private func post(_ job: SendJob, _ event: HookEventJob) async throws(DeliveryError) {
        let hook: Hook
        let secret: String
        do {
            guard let found = try await directory.hooks(tenantID: job.tenantID).first(where: { $0.id == event.hookID }) else {
                throw DeliveryError.permanent(reason: "the hook no longer exists")
            }
            hook = found
            secret = try secrets.openString(hook.sealedSecret, context: hook.sealingContext)
        } catch let error as DeliveryError {
            throw error
        } catch let error as SecretBoxError {
            throw .permanent(reason: "the hook's secret cannot be opened: \(error)")
        } catch {
            throw .transient(reason: "cannot read the hook: \(String(reflecting: error))", retryAfter: nil)
        }
        let body = Array(event.body.utf8)
        let timestamp = Int64(Date().timeIntervalSince1970)
        let headers = [
            ("Content-Type", "application/json"), ("User-Agent", Self.userAgent), ("Passwordless-Event-Id", event.eventID),
            ("Passwordless-Event-Type", event.type.rawValue),
            ("Passwordless-Signature", HookSecret.signatureHeader(secret: secret, timestamp: timestamp, body: body)),
        ]
        let response = try await ProviderHTTP.perform(OutgoingHTTPRequest(url: hook.url, headers: headers, body: body), on: transport)
        if let failure = DeliveryError.fromHTTP(
            status: response.status, retryAfter: response.retryAfterSeconds, detail: "the hook's answer")
        {
            throw failure
        }
    }
}
