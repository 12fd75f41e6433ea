import Foundation
import JobQueue
import Logging
import NIOConcurrencyHelpers
import RedisClient
import ServiceLifecycle
import ServiceSettings

/// The dispatcher's loop: take a job, hand it to the ``JobDeliverer``, which delivers and settles
/// it, and only then is it gone from this worker's processing list. A job is always in exactly
/// one Redis list, so a crash loses nothing.
///
/// One fetcher takes jobs while fewer than `concurrency` deliveries are in flight, so a slow
/// provider never serialises the queue: a backlog in batches of `LMOVE`s pipelined in one round
/// trip, an empty queue with `BLMOVE` on its own blocking connection.
/// Beside it: a heartbeat that keeps this worker's jobs its own, a reaper that hands the jobs of
/// dead workers back (any dispatcher reaps any other), an orphan check that hands back jobs of
/// its own it does not hold (a `BLMOVE` whose reply Redis lost), a promoter for due retries, and
/// a sampler for the queue gauges.
///
/// On graceful shutdown it takes nothing new and waits up to `shutdownGrace` for deliveries in
/// flight; at that deadline it hands what is still in its processing list back to pending and
/// cancels the rest (libcurl aborts their transfers).
struct DeliveryWorker: Service, CustomStringConvertible {
    let queue: DeliveryQueue
    let redis: RedisClient
    let deliverer: JobDeliverer
    let settings: DispatcherSettings
    let metrics: DispatcherMetrics
    let logger: Logger
    let workerID = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
    /// The jobs this worker has taken and not yet settled.
    private let held = NIOLockedValueBox<Set<[UInt8]>>([])
    /// The most jobs one non-blocking take moves at once.
    static let batchSize = 64
    /// Jobs seen in the processing list but not held at the last scan.
    private let suspects = NIOLockedValueBox<Set<[UInt8]>>([])

    /// One line for the service group's logs.
    var description: String { "DeliveryWorker(\(workerID), concurrency \(settings.concurrency))" }

    func run() async throws {
        logger.info("dispatcher started", metadata: ["worker": "\(workerID)", "concurrency": "\(settings.concurrency)"])
        await withDiscardingTaskGroup { group in
            group.addTask {
                await every(settings.heartbeatTTL / 3) { try await queue.heartbeat(worker: workerID, ttl: settings.heartbeatTTL) }
            }
            group.addTask { await every(settings.heartbeatTTL / 3) { try await reap() } }
            group.addTask { await every(settings.heartbeatTTL / 3) { try await returnOrphans() } }
            group.addTask { await every(.milliseconds(250)) { try await queue.promoteDueRetries() } }
            group.addTask { await every(.seconds(2)) { metrics.record(try await QueueStats.read(from: redis)) } }
            await fetchAndDeliver()
            group.cancelAll()  // ends the periodic tasks' sleeps at once
        }
        logger.info("dispatcher stopped", metadata: ["worker": "\(workerID)"])
    }

    private func fetchAndDeliver() async {
        try? await queue.heartbeat(worker: workerID, ttl: settings.heartbeatTTL)
        let connection = redis.makeBlockingConnection()
        // Child results: true from the shutdown timer when the grace period ran out.
        await withTaskGroup(of: Bool.self) { deliveries in
            var inFlight = 0
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                if inFlight >= settings.concurrency {
                    _ = await deliveries.next()
                    inFlight -= 1
                    continue
                }
                var taken: [[UInt8]]
                do {
                    // A backlog is taken a batch at a time (one round trip); an empty queue is
                    // waited on with a blocking move.
                    taken = try await queue.takeAvailable(min(settings.concurrency - inFlight, Self.batchSize) - 1, worker: workerID)
                    if taken.isEmpty, let raw = try await queue.take(worker: workerID, using: connection, timeout: .seconds(1)) {
                        taken = [raw]
                    }
                } catch {
                    logger.warning("cannot take a job", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(500))
                    continue
                }
                held.withLockedValue { $0.formUnion(taken) }
                for raw in taken {
                    inFlight += 1
                    deliveries.addTask {
                        metrics.inFlight.increment()
                        await deliverer.deliver(raw, worker: workerID)
                        metrics.inFlight.decrement()
                        held.withLockedValue { _ = $0.remove(raw) }
                        return false
                    }
                }
            }
            guard inFlight > 0 else { return }
            let grace = settings.shutdownGrace
            deliveries.addTask { (try? await Task.sleep(for: grace)) != nil }
            while let deadlinePassed = await deliveries.next() {
                if deadlinePassed {
                    logger.warning("deliveries still in flight at the shutdown deadline; handing their jobs back")
                    await handBack()
                    deliveries.cancelAll()
                } else {
                    inFlight -= 1
                    if inFlight == 0 { deliveries.cancelAll() }  // stops the timer
                }
            }
        }
        await connection.close()
        await handBack()
    }

    private func handBack() async {
        do {
            let returned = try await queue.release(worker: workerID)
            if returned > 0 { logger.info("jobs handed back to pending", metadata: ["count": "\(returned)"]) }
        } catch {
            logger.error("cannot hand jobs back; a reaper will once the heartbeat expires", metadata: ["error": "\(error)"])
        }
    }

    /// Hands back jobs that sit in this worker's processing list without being held, on two
    /// scans in a row (so a job whose `BLMOVE` reply is just arriving is never taken).
    private func returnOrphans() async throws {
        let listed = Set(try await queue.processing(worker: workerID))
        let orphans = listed.subtracting(held.withLockedValue { $0 })
        let confirmed = suspects.withLockedValue { suspects in
            defer { suspects = orphans }
            return orphans.intersection(suspects)
        }
        for raw in confirmed where try await queue.returnOrphan(raw, worker: workerID) {
            logger.warning("returned an orphaned job to pending")
        }
    }

    private func reap() async throws {
        let reaped = try await queue.reapDeadWorkers()
        if reaped > 0 {
            logger.warning("returned the jobs of dead workers to pending", metadata: ["count": "\(reaped)"])
            metrics.reaped.increment(by: reaped)
        }
    }

    /// Runs `body` every `interval` until cancelled (after the deliveries have drained, so the
    /// heartbeat goes on while they finish); failures are logged and the loop goes on.
    private func every(_ interval: Duration, _ body: () async throws -> Void) async {
        while !Task.isCancelled {
            do {
                try await body()
            } catch {
                logger.warning("periodic queue task failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
