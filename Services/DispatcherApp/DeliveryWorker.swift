import Foundation
import JobQueue
import Logging
import NIOConcurrencyHelpers
import RedisClient
import ServiceLifecycle
import ServiceSettings

/// The dispatcher's loop: take jobs from every partition, hand each to the ``JobDeliverer``,
/// which delivers and settles it, and only then is it gone from this worker's processing list.
/// A job is always in exactly one Redis list, so a crash loses nothing.
///
/// One fetcher per partition. A fetcher takes jobs while this dispatcher has free slots
/// (``DeliverySlots``, `DISPATCHER_CONCURRENCY` of them), up to 64 per call of the partition's
/// take script, one per tenant turn; concurrent fetchers' calls share the Redis client's round
/// trips, so a backlog over all partitions is taken in a few pipelined round trips. A fetcher
/// whose partition is empty blocks on the partition's wake list (`BLPOP`, 1 s) on a blocking
/// connection of its own: an enqueue pushes a wake token, so an idle dispatcher picks a job up
/// within a round trip or two, and the 1 s timeout is only the fallback that sweeps the partition
/// once a second. A fetcher blocks only while it holds no slot, and a woken one that finds no
/// slot free passes the token on, so a saturated dispatcher does not sit on work another could
/// take. A blocking connection is a NIO channel, so a blocked fetcher per partition costs a
/// socket, not a thread; the deliveries themselves are tasks whose transfers all run on the
/// transport's one libcurl thread.
///
/// Beside the fetchers: a heartbeat that keeps this worker's jobs its own (in every partition), a
/// reaper that gives the jobs of dead workers back (any dispatcher reaps any other), an orphan
/// check that gives back jobs of its own it does not hold (a take whose reply Redis lost), a
/// promoter for due retries, a sampler for the queue gauges, and the drain of the previous
/// release's single list (``LegacyQueue``).
///
/// On graceful shutdown it takes nothing new and waits up to `shutdownGrace` for deliveries in
/// flight; at that deadline it hands what is still in its processing lists back and cancels the
/// rest (libcurl aborts their transfers).
struct DeliveryWorker: Service, CustomStringConvertible {
    let queue: DeliveryQueue
    let legacy: LegacyQueue
    let redis: RedisClient
    let deliverer: JobDeliverer
    let settings: DispatcherSettings
    let metrics: DispatcherMetrics
    let logger: Logger
    let workerID = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UInt16.random(in: 0...UInt16.max))"
    /// The jobs this worker has taken and not yet settled.
    private let held = NIOLockedValueBox<Set<TakenJob>>([])
    /// The most jobs one take moves at once.
    static let batchSize = 64
    /// How long an idle fetcher blocks on its partition's wake list before it looks anyway.
    static let idleWait = Duration.seconds(1)
    /// Jobs seen in a processing list but not held at the last scan.
    private let suspects = NIOLockedValueBox<Set<TakenJob>>([])

    /// One line for the service group's logs.
    var description: String {
        "DeliveryWorker(\(workerID), concurrency \(settings.concurrency), \(queue.layout.count) partitions)"
    }

    func run() async throws {
        try await queue.layout.waitUntilVerified(using: redis, logger: logger)
        guard queue.layout.isVerified else { return }  // shut down before Redis ever answered
        logger.info(
            "dispatcher started",
            metadata: ["worker": "\(workerID)", "concurrency": "\(settings.concurrency)", "partitions": "\(queue.layout.count)"])
        await withDiscardingTaskGroup { group in
            group.addTask {
                await every(settings.heartbeatTTL / 3) { try await queue.heartbeat(worker: workerID, ttl: settings.heartbeatTTL) }
            }
            group.addTask { await every(settings.heartbeatTTL / 3) { try await reap() } }
            group.addTask { await every(settings.heartbeatTTL / 3) { try await returnOrphans() } }
            group.addTask { await every(.milliseconds(250)) { try await queue.promoteDueRetries() } }
            group.addTask { await every(.seconds(2)) { metrics.record(try await QueueStats.read(from: redis, layout: queue.layout)) } }
            group.addTask { await every(.seconds(1)) { try await drainLegacy() } }
            await fetchAndDeliver()
            group.cancelAll()  // ends the periodic tasks' sleeps at once
        }
        logger.info("dispatcher stopped", metadata: ["worker": "\(workerID)"])
    }

    private func fetchAndDeliver() async {
        try? await queue.heartbeat(worker: workerID, ttl: settings.heartbeatTTL)
        let slots = DeliverySlots(capacity: settings.concurrency)
        let (taken, output) = AsyncStream.makeStream(of: TakenJob.self)
        await withDiscardingTaskGroup { deliveries in
            deliveries.addTask {
                await withDiscardingTaskGroup { fetchers in
                    for partition in queue.layout.partitions {
                        fetchers.addTask { await fetch(partition, slots: slots, into: output) }
                    }
                    // At shutdown (or cancellation), fetchers waiting for a slot stop waiting.
                    fetchers.addTask {
                        try? await gracefulShutdown()
                        slots.close()
                    }
                }
                output.finish()
            }
            for await job in taken {
                deliveries.addTask {
                    metrics.inFlight.increment()
                    await deliverer.deliver(job, worker: workerID)
                    metrics.inFlight.decrement()
                    held.withLockedValue { _ = $0.remove(job) }
                    slots.release(1)
                }
            }
            // No more takes: let the deliveries in flight finish, within the grace period.
            let drained = await slots.drained(within: settings.shutdownGrace)
            if !drained {
                logger.warning("deliveries still in flight at the shutdown deadline; handing their jobs back")
                await handBack()
                deliveries.cancelAll()
            }
        }
        await handBack()
    }

    /// One partition's fetcher: take while there are slots and work, wait for a wake token when
    /// the partition is empty; until shutdown.
    private func fetch(_ partition: QueuePartition, slots: DeliverySlots, into output: AsyncStream<TakenJob>.Continuation) async {
        let connection = redis.makeBlockingConnection()
        var idle = false
        // Failures in a row: with a fetcher per partition, a Redis outage would otherwise log
        // one line per partition every half second.
        var failures = 0
        func failed(_ what: String, _ error: RedisError) async {
            if failures % 20 == 0 {
                logger.warning(
                    "cannot \(what)",
                    metadata: ["partition": "\(partition.index)", "error": "\(error)", "failures_in_a_row": "\(failures + 1)"])
            }
            failures += 1
            try? await Task.sleep(for: .milliseconds(500))
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if idle {
                idle = false
                do {
                    let woken = try await queue.waitForWork(in: partition, using: connection, timeout: Self.idleWait)
                    if woken && !slots.hasFree { try await queue.wake(partition) }
                    failures = 0
                } catch {
                    await failed("wait for jobs", error)
                }
                continue
            }
            let granted = await slots.acquire(upTo: Self.batchSize)
            guard granted > 0 else { break }
            let jobs: [TakenJob]
            do {
                jobs = try await queue.take(granted, from: partition, worker: workerID).map { TakenJob(partition: partition, raw: $0) }
            } catch {
                slots.release(granted)
                await failed("take jobs", error)
                continue
            }
            failures = 0
            slots.release(granted - jobs.count)
            held.withLockedValue { $0.formUnion(jobs) }
            for job in jobs { output.yield(job) }
            idle = jobs.count < granted
        }
        await connection.close()
    }

    private func handBack() async {
        do {
            let returned = try await queue.release(worker: workerID)
            if returned > 0 { logger.info("jobs handed back to pending", metadata: ["count": "\(returned)"]) }
        } catch {
            logger.error("cannot hand jobs back; a reaper will once the heartbeat expires", metadata: ["error": "\(error)"])
        }
        _ = try? await legacy.release(worker: workerID)
    }

    /// Hands back jobs that sit in this worker's processing lists without being held, on two
    /// scans in a row (so a job whose take reply is just arriving is never taken).
    private func returnOrphans() async throws {
        let listed = Set(try await queue.processing(worker: workerID))
        let orphans = listed.subtracting(held.withLockedValue { $0 })
        let confirmed = suspects.withLockedValue { suspects in
            defer { suspects = orphans }
            return orphans.intersection(suspects)
        }
        for job in confirmed where try await queue.returnOrphan(job, worker: workerID) {
            logger.warning("returned an orphaned job to pending", metadata: ["partition": "\(job.partition.index)"])
        }
    }

    private func reap() async throws {
        let reaped = try await queue.reapDeadWorkers()
        if reaped > 0 {
            logger.warning("returned the jobs of dead workers to pending", metadata: ["count": "\(reaped)"])
            metrics.reaped.increment(by: reaped)
        }
    }

    private func drainLegacy() async throws {
        let moved = try await legacy.drain(worker: workerID, heartbeatTTL: settings.heartbeatTTL)
        if moved > 0 { logger.info("moved jobs of the single-list queue into the partitions", metadata: ["count": "\(moved)"]) }
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
