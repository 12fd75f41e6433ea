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
/// queued → processing → delivered (removed) / scheduled for a retry / postponed by the send rate /
/// dead-lettered.
///
/// What happens to the job is the ``JobLifecycle``'s decision (retry rules, expiry, dead-letter
/// reasons); this type does the I/O around it: the provider call, the settling step in Redis,
/// the logs and the metrics.
struct JobDeliverer: Sendable {
    let queue: DeliveryQueue
    let directory: Directory
    let jobSeal: SecretBox
    let secrets: SecretBox
    let providers: [Connection.Provider: any DeliveryProvider]
    let sendRate: SendRate
    /// Which connection delivers each job (its own, or its fallback while its breaker is open).
    let failover: Failover
    let settings: DispatcherSettings
    let metrics: DispatcherMetrics
    let logger: Logger
    /// Posts the jobs that carry a hook event.
    let hooks: HookDeliverer
    /// Records each finished attempt (recent deliveries, `delivery.*` events).
    let recorder: DeliveryRecorder
    /// Opened credentials by connection, with the sealed bytes they came from.
    let openedCredentials = NIOLockedValueBox<[UUID: (sealed: [UInt8], secrets: ProviderSecrets)]>([:])

    var policy: JobLifecycle.Policy {
        JobLifecycle.Policy(maximumAttempts: settings.maximumAttempts, retryBase: settings.retryBase, retryCap: settings.retryCap)
    }

    func deliver(_ taken: TakenJob, worker: String) async {
        var lifecycle = JobLifecycle(policy: policy)
        let action = lifecycle.taken(taken.raw, now: Date().millisecondsSince1970)
        guard case .deliver(let job) = action else {
            await perform(action, taken: taken, worker: worker, attempt: nil)
            return
        }
        let attempt = if let event = job.event { await hooks.attempt(job, event) } else { await self.attempt(job) }
        await perform(
            lifecycle.finished(attempt.outcome, now: Date().millisecondsSince1970), taken: taken, worker: worker, attempt: attempt)
    }

    /// One delivery attempt and what is known about it afterwards.
    struct Attempt {
        var outcome: JobLifecycle.Outcome
        var job: SendJob
        var provider: String
        var providerMessageID: String?
        var metadata: Logger.Metadata

        /// Whether the provider was called (a send-rate deferral is no attempt).
        var reachedProvider: Bool {
            if case .deferred = outcome { false } else { true }
        }
    }

    /// How long a job waits when Redis cannot say whether the send rate has a token for it.
    static let sendRateUnknownWait: Int64 = 1000

    private func attempt(_ job: SendJob) async -> Attempt {
        var attempt = Attempt(
            outcome: .delivered, job: job, provider: "unknown", metadata: ["job": "\(job.id)", "attempt": "\(job.attempts + 1)"])
        do {
            guard let ownConnection = try await directory.connection(id: job.connectionID) else {
                throw DeliveryError.permanent(reason: "the connection no longer exists")
            }
            let route = await failover.route(for: ownConnection, now: Date().millisecondsSince1970)
            let connection = route.connection
            guard let provider = providers[connection.provider] else { throw DeliveryError.permanent(reason: "the provider is unknown") }
            attempt.provider = connection.provider.rawValue
            attempt.metadata["provider"] = "\(attempt.provider)"
            if route.failedOverFrom != nil { attempt.metadata["fallback_connection"] = "\(connection.id.uuidString.lowercased())" }
            if let deferral = await admit(job, through: connection) {
                attempt.outcome = deferral
                return attempt
            }
            let credentials = try connection.sealedCredentials.map { try openCredentials($0, of: connection) }
            // The link carries the code: like the code, it is never logged, and no error here
            // describes it.
            let message = try RenderedMessage.render(
                jobID: job.id, code: try job.code(box: jobSeal), link: try job.link(box: jobSeal), recipient: job.recipient,
                applicationName: job.applicationName, connection: connection, language: job.language)
            attempt.providerMessageID = try await route.call { () async throws(DeliveryError) -> String? in
                try await provider.deliver(message, settings: connection.settings, secrets: credentials ?? ProviderSecrets())
            }
            // Segments are billed on text messages only: not on a WhatsApp message or a call.
            if connection.strategy == .sms, (connection.settings.twilioChannel ?? .sms) == .sms {
                metrics.smsSent(provider: attempt.provider, segments: SMSSegments(message.body))
            }
        } catch let error as DeliveryError {
            attempt.outcome = Self.outcome(error)
        } catch {
            attempt.outcome = Self.outcome(.permanent(reason: "\(error)"))
        }
        return attempt
    }

    /// The send rate's verdict (nil: go ahead). When Redis cannot answer, the job waits a
    /// moment rather than risk the provider's own limit, and is not charged an attempt.
    private func admit(_ job: SendJob, through connection: Connection) async -> JobLifecycle.Outcome? {
        let now = Date().millisecondsSince1970
        do {
            return try await sendRate.admit(job, through: connection, now: now)
        } catch {
            logger.warning("cannot take a send-rate token; the job waits", metadata: ["job": "\(job.id)", "error": "\(error)"])
            return .deferred(until: now + Self.sendRateUnknownWait, reserved: false)
        }
    }

    static func outcome(_ error: DeliveryError) -> JobLifecycle.Outcome {
        switch error {
        case .transient(_, let retryAfter): .failedTemporarily(error: error.description, retryAfter: retryAfter)
        case .permanent(let reason): .failedPermanently(reason: reason, error: error.description)
        }
    }

    /// Carries out the lifecycle's decision: the settling step in Redis, with its log lines and
    /// metrics. `attempt` is nil when the job was buried before any delivery attempt.
    private func perform(_ action: JobLifecycle.Action, taken: TakenJob, worker: String, attempt: Attempt?) async {
        switch action {
        case .deliver:
            preconditionFailure("the lifecycle asks for one delivery, before any outcome")
        case .acknowledge:
            guard let attempt else { preconditionFailure("the lifecycle acknowledges a job only after an attempt") }
            let latency = Double(Date().millisecondsSince1970 - attempt.job.createdAt) / 1000
            metrics.attempt(provider: attempt.provider, outcome: "delivered")
            metrics.latency(provider: attempt.provider, seconds: latency)
            await settle("complete", worker: worker) { try await queue.complete(taken, worker: worker) }
            var metadata = attempt.metadata
            metadata["provider_message"] = attempt.providerMessageID.map { "\($0)" }
            metadata["latency_ms"] = "\(Int(latency * 1000))"
            logger.info("delivered", metadata: metadata)
        case .retry(let job, let due):
            guard let attempt else { preconditionFailure("the lifecycle retries a job only after an attempt") }
            metrics.attempt(provider: attempt.provider, outcome: "retry")
            let error: String = if case .failedTemporarily(let error, _) = attempt.outcome { error } else { "" }
            let metadata = attempt.metadata.merging(["error": "\(error)", "due_ms": "\(due)"]) { $1 }
            logger.warning("delivery failed; retry scheduled", metadata: metadata)
            await settle("schedule retry", worker: worker) {
                try await queue.scheduleRetry(taken, updated: job.encoded(), due: due, worker: worker)
            }
        case .postpone(let job, let until):
            guard let attempt else { preconditionFailure("the lifecycle postpones a job only after the send rate was asked") }
            metrics.deferred(provider: attempt.provider)
            let metadata = attempt.metadata.merging(["due_ms": "\(until)", "reserved": "\(job.sendSlot != nil)"]) { $1 }
            logger.debug("send rate reached; job postponed", metadata: metadata)
            await settle("postpone", worker: worker) {
                try await queue.scheduleRetry(taken, updated: job.encoded(), due: until, worker: worker)
            }
        case .bury(let letter, let burial):
            if let attempt, attempt.reachedProvider { metrics.attempt(provider: attempt.provider, outcome: "dead") }
            let encoded = (try? JSONEncoder().encode(letter)).map(Array.init) ?? []
            if burial == .malformed {
                logger.error("malformed job dead-lettered", metadata: ["worker": "\(worker)", "dead_letter": "\(letter.id)"])
            } else {
                let metadata = attempt?.metadata ?? ["job": "\(letter.id)", "attempt": "\(letter.attempts + 1)"]
                logger.warning("job dead-lettered", metadata: metadata.merging(["reason": "\(letter.reason)"]) { $1 })
            }
            metrics.deadLettered(reason: burial.rawValue)
            await settle("dead-letter", worker: worker) { try await queue.deadLetter(taken, entry: encoded, worker: worker) }
        }
        await recorder.record(action, attempt: attempt)
    }

    /// A connection's credentials, opened once per sealed value (the directory keeps handing out
    /// the same connection for its cache period, and a rotation changes the sealed bytes).
    private func openCredentials(_ sealed: [UInt8], of connection: Connection) throws -> ProviderSecrets {
        if let cached = openedCredentials.withLockedValue({ $0[connection.id] }), cached.sealed == sealed { return cached.secrets }
        let opened = try JSONDecoder().decode(
            ProviderSecrets.self, from: Data(try secrets.open(sealed, context: connection.sealingContext)))
        openedCredentials.withLockedValue { $0[connection.id] = (sealed, opened) }
        return opened
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
}
