import Delivery
import Foundation
import JobQueue
import Logging
import NIOConcurrencyHelpers
import PasswordlessCore
import RedisClient
import ServiceSettings
import TenantDirectory

/// Delivers one job and settles it; every outcome ends with the job in exactly one list:
///
/// queued → processing → delivered (removed) / scheduled for a retry / dead-lettered.
///
/// Network errors, timeouts, 429 and 5xx are retried with exponential backoff and full jitter,
/// never sooner than the provider's `Retry-After` and never past the code's expiry; anything
/// else, an expired code, or too many attempts goes to the dead letters with the reason.
struct JobDeliverer: Sendable {
    let queue: DeliveryQueue
    let directory: Directory
    let jobSeal: SecretBox
    let secrets: SecretBox
    let providers: [Connection.Provider: any DeliveryProvider]
    let settings: DispatcherSettings
    let metrics: DispatcherMetrics
    let logger: Logger
    /// Opened credentials by connection, with the sealed bytes they came from.
    let openedCredentials = NIOLockedValueBox<[UUID: (sealed: [UInt8], secrets: ProviderSecrets)]>([:])

    func deliver(_ raw: [UInt8], worker: String) async {
        guard let job = try? SendJob.decode(raw) else {
            logger.error("malformed job dead-lettered", metadata: ["worker": "\(worker)"])
            await settle("dead-letter", worker: worker) { try await queue.deadLetter(raw, entry: Array(#"{"reason":"malformed"}"#.utf8), worker: worker) }
            metrics.deadLettered(reason: "malformed")
            return
        }
        var metadata: Logger.Metadata = ["job": "\(job.id)", "attempt": "\(job.attempts + 1)"]
        guard Date().millisecondsSince1970 < job.codeExpiresAt else {
            await bury(raw, job: job, reason: "expired", lastError: nil, worker: worker, metadata: metadata)
            return
        }
        var providerName = "unknown"
        do {
            guard let connection = try await directory.connection(id: job.connectionID), let provider = providers[connection.provider] else {
                throw DeliveryError.permanent(reason: "the connection no longer exists")
            }
            providerName = connection.provider.rawValue
            metadata["provider"] = "\(providerName)"
            let credentials = try connection.sealedCredentials.map { try openCredentials($0, of: connection) }
            let message = RenderedMessage.render(
                jobID: job.id, code: try job.code(box: jobSeal), recipient: job.recipient, applicationName: job.applicationName,
                connection: connection)
            let providerID = try await provider.deliver(message, settings: connection.settings, secrets: credentials ?? ProviderSecrets())
            let latency = Double(Date().millisecondsSince1970 - job.createdAt) / 1000
            metrics.attempt(provider: providerName, outcome: "delivered")
            metrics.latency(provider: providerName, seconds: latency)
            await settle("complete", worker: worker) { try await queue.complete(raw, worker: worker) }
            metadata["provider_message"] = providerID.map { "\($0)" }
            metadata["latency_ms"] = "\(Int(latency * 1000))"
            logger.info("delivered", metadata: metadata)
        } catch let error as DeliveryError {
            await failed(raw, job: job, error: error, provider: providerName, worker: worker, metadata: metadata)
        } catch {
            await failed(raw, job: job, error: .permanent(reason: "\(error)"), provider: providerName, worker: worker, metadata: metadata)
        }
    }

    /// A connection's credentials, opened once per sealed value (the directory keeps handing out
    /// the same connection for its cache period, and a rotation changes the sealed bytes).
    private func openCredentials(_ sealed: [UInt8], of connection: Connection) throws -> ProviderSecrets {
        if let cached = openedCredentials.withLockedValue({ $0[connection.id] }), cached.sealed == sealed { return cached.secrets }
        let opened = try JSONDecoder().decode(ProviderSecrets.self, from: Data(try secrets.open(sealed, context: connection.sealingContext)))
        openedCredentials.withLockedValue { $0[connection.id] = (sealed, opened) }
        return opened
    }

    private func failed(_ raw: [UInt8], job: SendJob, error: DeliveryError, provider: String, worker: String, metadata: Logger.Metadata) async {
        var retried = job
        retried.attempts += 1
        guard case .transient(_, let retryAfter) = error else {
            metrics.attempt(provider: provider, outcome: "dead")
            await bury(raw, job: retried, reason: error.reason, lastError: error.description, worker: worker, metadata: metadata)
            return
        }
        guard retried.attempts < settings.maximumAttempts else {
            metrics.attempt(provider: provider, outcome: "dead")
            await bury(raw, job: retried, reason: "exhausted", lastError: error.description, worker: worker, metadata: metadata)
            return
        }
        let due = Date().millisecondsSince1970 + backoff(attempt: retried.attempts, retryAfter: retryAfter)
        guard due < job.codeExpiresAt else {
            metrics.attempt(provider: provider, outcome: "dead")
            await bury(raw, job: retried, reason: "expired", lastError: error.description, worker: worker, metadata: metadata)
            return
        }
        metrics.attempt(provider: provider, outcome: "retry")
        logger.warning("delivery failed; retry scheduled", metadata: metadata.merging(["error": "\(error)", "due_ms": "\(due)"]) { $1 })
        await settle("schedule retry", worker: worker) { try await queue.scheduleRetry(raw, updated: retried.encoded(), due: due, worker: worker) }
    }

    private func bury(_ raw: [UInt8], job: SendJob, reason: String, lastError: String?, worker: String, metadata: Logger.Metadata) async {
        let entry = DeadLetter(job: job, reason: reason, attempts: job.attempts, lastError: lastError, diedAt: Date().millisecondsSince1970)
        let encoded = (try? JSONEncoder().encode(entry)).map(Array.init) ?? []
        logger.warning("job dead-lettered", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        metrics.deadLettered(reason: ["expired", "exhausted"].contains(reason) ? reason : "permanent")
        await settle("dead-letter", worker: worker) { try await queue.deadLetter(raw, entry: encoded, worker: worker) }
    }

    /// Runs a settling step until Redis accepts it: a job must not stay in a processing list
    /// because Redis blinked. Gives up only when the task is cancelled (shutdown), leaving the
    /// job for the hand-back or the reaper.
    private func settle(_ what: String, worker: String, _ step: () async throws -> some Any) async {
        var wait = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                _ = try await step()
                return
            } catch {
                logger.warning("cannot \(what) yet; retrying", metadata: ["error": "\(error)", "worker": "\(worker)"])
                try? await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(2))
            }
        }
    }

    /// Exponential backoff with full jitter: a random wait up to base·2^attempt, capped, and never
    /// sooner than `Retry-After`.
    func backoff(attempt: Int, retryAfter: Int?) -> Int64 {
        let base = settings.retryBase.components.seconds * 1000
        let cap = settings.retryCap.components.seconds * 1000
        let ceiling = min(cap, base << min(Int64(attempt), 20))
        return max(Int64.random(in: 0...max(1, ceiling)), Int64(retryAfter ?? 0) * 1000)
    }
}
