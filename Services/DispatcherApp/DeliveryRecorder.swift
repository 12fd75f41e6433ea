import Events
import Foundation
import JobQueue
import Logging
import PasswordlessCore
import TenantDirectory

/// What the dispatcher tells others about a finished attempt: an entry in the tenant's recent
/// deliveries (``DeliveryLog``, through the ``DeliveryLogBuffer``, written a moment later with
/// others) and the `delivery.sent` / `delivery.failed` / `delivery.dead` event for the tenant's
/// hooks (queued at once, durable: a tenant without such a hook pays a cache lookup). A job that
/// posts a hook event only counts in the event metrics: events do not beget events.
///
/// Recording never fails a delivery: the job is already settled, and a failure is logged.
struct DeliveryRecorder: Sendable {
    let directory: Directory
    let emitter: HookEmitter
    let log: DeliveryLogBuffer
    let logger: Logger

    /// How one job's attempt ended, as recorded.
    struct Finished {
        var job: SendJob
        var outcome: String
        var type: HookEventType
        var attempts: Int
        var provider: String
        var providerMessageID: String?
        var reason: String?

        init?(_ action: JobLifecycle.Action, attempt: JobDeliverer.Attempt?) {
            provider = attempt?.provider ?? "none"
            providerMessageID = attempt?.providerMessageID
            switch action {
            case .acknowledge:
                guard let attempt else { return nil }
                (job, outcome, type, attempts) = (attempt.job, "delivered", HookEventType.deliverySent, attempt.job.attempts + 1)
            case .retry(let retried, _):
                (job, outcome, type, attempts) = (retried, "retry", HookEventType.deliveryFailed, retried.attempts)
                if case .failedTemporarily(let error, _)? = attempt?.outcome { reason = error }
            case .bury(let letter, _):
                guard let buried = letter.job else { return nil }
                (job, outcome, type, attempts) = (buried, "dead", HookEventType.deliveryDead, letter.attempts)
                reason = letter.reason
            case .deliver, .postpone:
                return nil
            }
        }
    }

    func record(_ action: JobLifecycle.Action, attempt: JobDeliverer.Attempt?) async {
        guard let finished = Finished(action, attempt: attempt) else { return }
        let job = finished.job
        if let event = job.event {
            switch finished.type {
            case .deliverySent: EventMetrics.count(event.type, .delivered)
            case .deliveryFailed: EventMetrics.count(event.type, .retry)
            default: EventMetrics.count(event.type, .dead)
            }
            return
        }
        do {
            let connection = try await directory.connection(id: job.connectionID)
            let masked = RecipientMask.mask(job.recipient)
            let entry = DeliveryLog.Entry(
                time: Date().millisecondsSince1970, jobID: job.id, connection: connection?.name ?? "(deleted)", recipient: masked,
                provider: finished.provider, outcome: finished.outcome, attempts: finished.attempts,
                providerMessageID: finished.providerMessageID)
            var data = EventData(
                connection: connection?.name, channel: connection?.strategy.rawValue, recipient: masked, jobID: job.id,
                provider: finished.provider, providerMessageID: finished.providerMessageID, attempts: finished.attempts,
                reason: finished.reason.map { RecipientMask.redact($0, recipient: job.recipient) })
            if finished.type != .deliverySent { data.providerMessageID = nil }
            let commands = try await emitter.commands(finished.type, tenantID: job.tenantID, data: data)
            log.add(entry, tenant: job.tenantID)
            if !commands.isEmpty { try await emitter.send(commands) }
        } catch {
            logger.warning("cannot record a delivery", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
    }
}
