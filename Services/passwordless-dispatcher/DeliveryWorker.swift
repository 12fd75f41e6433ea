import Delivery
import DeliveryTransport
import Foundation
import Logging
import PasswordlessCore
import PasswordlessFlow
import RedisClient
import ServiceLifecycle

/// The dispatcher's loop: take a job, deliver it, settle it — delivered, scheduled for a retry,
/// or dead-lettered — and only then remove it from this worker's processing list.
///
/// `concurrency` such loops run at once, each with its own blocking Redis connection, so a slow
/// provider does not hold up the queue. A promoter moves due retries back to pending.
/// On graceful shutdown the loops take no new job and finish the one in hand.
struct DeliveryWorker: Service {
    let queue: DeliveryQueue
    let redis: RedisClient
    let directory: Directory
    let jobSeal: SecretBox
    let secrets: SecretBox
    let providers: [Connection.Provider: any DeliveryProvider]
    let concurrency: Int
    let maximumAttempts: Int
    let logger: Logger
    let workerID = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"

    func run() async throws {
        logger.info("dispatcher started", metadata: ["worker": "\(workerID)", "concurrency": "\(concurrency)"])
        await withDiscardingTaskGroup { group in
            for _ in 0..<concurrency {
                group.addTask { await consume() }
            }
            group.addTask { await promote() }
        }
    }

    private func consume() async {
        let connection = redis.makeBlockingConnection()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                guard let raw = try await queue.take(worker: workerID, using: connection, timeout: .seconds(1)) else { continue }
                await handle(raw)
            } catch {
                logger.warning("cannot take a job", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        await connection.close()
    }

    private func promote() async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await queue.promoteDueRetries()
            } catch {
                logger.warning("cannot promote retries", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Delivers one job and settles it. Never throws: every outcome ends in one of the lists.
    func handle(_ raw: [UInt8]) async {
        guard let job = try? SendJob.decode(raw) else {
            logger.error("malformed job dead-lettered")
            let entry = #"{"reason":"malformed"}"#
            try? await queue.deadLetter(raw, entry: Array(entry.utf8), worker: workerID)
            return
        }
        var metadata: Logger.Metadata = ["job": "\(job.id)", "attempt": "\(job.attempts + 1)"]
        let now = Date().millisecondsSince1970
        guard now < job.codeExpiresAt else {
            await bury(raw, job: job, reason: "expired", lastError: nil, metadata: metadata)
            return
        }
        do {
            guard let connection = try await directory.connection(id: job.connectionID), let provider = providers[connection.provider] else {
                throw DeliveryError.permanent(reason: "the connection no longer exists")
            }
            metadata["provider"] = "\(connection.provider.rawValue)"
            let credentials = try connection.sealedCredentials.map {
                try JSONDecoder().decode(ProviderSecrets.self, from: Data(try secrets.open($0, context: connection.sealingContext)))
            }
            let message = RenderedMessage.render(
                jobID: job.id, code: try job.code(box: jobSeal), recipient: job.recipient, applicationName: job.applicationName,
                connection: connection)
            let providerID = try await provider.deliver(message, settings: connection.settings, secrets: credentials ?? ProviderSecrets())
            try await queue.complete(raw, worker: workerID)
            metadata["provider_message"] = providerID.map { "\($0)" }
            metadata["latency_ms"] = "\(Date().millisecondsSince1970 - job.createdAt)"
            logger.info("delivered", metadata: metadata)
        } catch let error as DeliveryError {
            await settleFailure(raw, job: job, error: error, metadata: metadata)
        } catch let error as RedisError {
            // The job stays in this worker's processing list; the reaper returns it to pending.
            logger.error("cannot settle job", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        } catch {
            await settleFailure(raw, job: job, error: .permanent(reason: "\(error)"), metadata: metadata)
        }
    }

    private func settleFailure(_ raw: [UInt8], job: SendJob, error: DeliveryError, metadata: Logger.Metadata) async {
        var retried = job
        retried.attempts += 1
        guard case .transient(_, let retryAfter) = error, retried.attempts < maximumAttempts else {
            await bury(raw, job: retried, reason: error.reason, lastError: error.description, metadata: metadata)
            return
        }
        let due = Date().millisecondsSince1970 + Self.backoff(attempt: retried.attempts, retryAfter: retryAfter)
        guard due < job.codeExpiresAt else {
            await bury(raw, job: retried, reason: "expired", lastError: error.description, metadata: metadata)
            return
        }
        do {
            try await queue.scheduleRetry(raw, updated: retried.encoded(), due: due, worker: workerID)
            logger.warning("delivery failed; retry scheduled", metadata: metadata.merging(["error": "\(error)", "due": "\(due)"]) { $1 })
        } catch {
            logger.error("cannot schedule retry", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }

    private func bury(_ raw: [UInt8], job: SendJob, reason: String, lastError: String?, metadata: Logger.Metadata) async {
        let entry = DeadLetter(job: job, reason: reason, attempts: job.attempts, lastError: lastError, diedAt: Date().millisecondsSince1970)
        do {
            try await queue.deadLetter(raw, entry: Array(try JSONEncoder().encode(entry)), worker: workerID)
            logger.warning("job dead-lettered", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
        } catch {
            logger.error("cannot dead-letter job", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }

    /// Exponential backoff with full jitter (1 s base, 60 s cap), never sooner than `Retry-After`.
    static func backoff(attempt: Int, retryAfter: Int?) -> Int64 {
        let ceiling = min(60_000, 1000 << min(attempt, 16))
        let jittered = Int64.random(in: 0...Int64(ceiling))
        return max(jittered, Int64(retryAfter ?? 0) * 1000)
    }
}
