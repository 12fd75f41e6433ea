import Foundation
import PasswordlessCore
import RedisClient
import Testing

@testable import JobQueue

/// The partitioned queue against a Redis of each test's own (its keys are global): the hash tags
/// a Redis Cluster needs, tenants taking turns, reaping, releasing, orphans, retries and dead
/// letters in every partition, the drain of the previous release's single list, and the recorded
/// partition count.
@Suite("Partitioned queue")
struct PartitionedQueueTests {
    // MARK: Keys

    /// What Redis Cluster hashes: the content of the first `{…}` when it is not empty, else the key.
    static func hashTag(_ key: String) -> String {
        guard let open = key.firstIndex(of: "{"), let close = key[key.index(after: open)...].firstIndex(of: "}"),
            close > key.index(after: open)
        else { return key }
        return String(key[key.index(after: open)..<close])
    }

    /// Redis Cluster's slot of a key (CRC16-XMODEM of its hash tag, modulo 16384).
    static func slot(_ key: String) -> Int {
        var crc: UInt16 = 0
        for byte in hashTag(key).utf8 {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return Int(crc) % 16384
    }

    /// The keys of an `EVALSHA`, and the arguments that name keys or key prefixes.
    static func keyArguments(of command: RedisCommand) -> [String] {
        let arguments = command.arguments.map { String(decoding: $0, as: UTF8.self) }
        #expect(arguments.first == "EVALSHA", "\(command.name)")
        let count = Int(arguments[2]) ?? -1
        let keys = Array(arguments[3..<(3 + count)])
        let prefixes = arguments[(3 + count)...].filter { $0.hasPrefix("pl:") }
        return keys + prefixes
    }

    @Test func everyKeyAScriptTouchesSharesItsPartitionsHashTag() throws {
        #expect(Self.slot("123456789") == 0x31C3 % 16384)  // the CRC16 check value of the Redis Cluster spec
        let job = Self.job(tenant: UUID())
        let taken = { (partition: QueuePartition) in TakenJob(partition: partition, raw: job.encoded()) }
        for count in [1, 16, 64] {
            let layout = QueueLayout(partitions: count)
            var tags = Set<String>()
            for partition in layout.partitions {
                let commands: [RedisCommand] = [
                    DeliveryQueue.enqueue(job.encoded(), tenant: job.tenantKey, into: partition),
                    DeliveryQueue.takeCommand(8, from: partition, worker: "w"),
                    DeliveryQueue.scheduleRetryCommand(taken(partition), updated: [1], due: 1, worker: "w"),
                    DeliveryQueue.deadLetterCommand(taken(partition), entry: [1], worker: "w", cap: 10),
                    DeliveryQueue.promoteCommand(partition, limit: 10), DeliveryQueue.discardCommand(tenant: "t", in: partition),
                    DeliveryQueue.reapCommand(partition), DeliveryQueue.releaseCommand(partition, worker: "w"),
                    DeliveryQueue.returnOrphanCommand(taken(partition), worker: "w"),
                    DeadLetters.requeueCommand([1], as: [2], in: partition), QueueStats.command(partition),
                ]
                for command in commands {
                    let keys = Self.keyArguments(of: command)
                    #expect(!keys.isEmpty)
                    for key in keys {
                        #expect(Self.hashTag(key) == partition.hashTag, "\(key) in a script of \(partition)")
                    }
                }
                let keys =
                    partition.keysAndPrefixes + [
                        partition.tenant(job.tenantKey), partition.processing(worker: "w"), partition.heartbeat(worker: "w"),
                    ]
                for key in keys { #expect(Self.hashTag(key) == "queue:\(partition.index)", "\(key)") }
                tags.insert(partition.hashTag)
            }
            #expect(tags.count == count)
            // The partition a job goes to is one the layout has.
            #expect(layout.partitions.contains(layout.partition(forJobID: job.id)))
        }
        // A job's enqueue command targets the partition of its id.
        let layout = QueueLayout()
        #expect(
            Self.keyArguments(of: DeliveryQueue.enqueue(job, layout: layout)).allSatisfy {
                Self.hashTag($0) == layout.partition(forJobID: job.id).hashTag
            })

        // The old layout's keys all share `{queue}` (its scripts ran in that one slot).
        typealias Legacy = RedisKeys.Queue.Legacy
        for key in [
            Legacy.pending, Legacy.workers, Legacy.processing(worker: "w"), Legacy.heartbeat(worker: "w"), Legacy.scheduled, Legacy.dead,
        ] {
            #expect(Self.hashTag(key) == "queue")
        }

        // The default 16 partitions spread over the masters of a three-master cluster whose slots
        // are split evenly (as `redis-cli --cluster create` splits them).
        var perMaster = [0, 0, 0]
        for partition in QueueLayout().partitions { perMaster[min(2, Self.slot(partition.ready) / 5461)] += 1 }
        #expect(perMaster.allSatisfy { $0 >= 3 }, "\(perMaster)")
    }

    @Test func jobsSpreadOverEveryPartition() {
        let layout = QueueLayout()
        var counts = [Int](repeating: 0, count: layout.count)
        for _ in 0..<16_000 { counts[layout.partition(forJobID: UUID().uuidString.lowercased()).index] += 1 }
        #expect(counts.allSatisfy { (800...1200).contains($0) }, "\(counts)")
    }

    // MARK: Fair takes

    @Test func aTenantsBacklogDelaysOnlyThatTenant() async throws {
        try await Self.withRedis { redis in
            let (a, b) = (UUID(), UUID())
            // One partition: every job of both tenants shares it. A's thousand come first.
            let one = DeliveryQueue(redis: redis, layout: QueueLayout(partitions: 1))
            let aJobs = (0..<1000).map { Self.job(tenant: a, index: $0) }
            let bJobs = (0..<10).map { Self.job(tenant: b, index: $0) }
            try await Self.enqueue(aJobs + bJobs, one)
            var taken: [SendJob] = []
            while taken.count < 1010 {
                let batch = try await one.take(1, from: one.layout.partitions[0], worker: "w").map { try SendJob.decode($0) }
                #expect(batch.count == 1)
                if batch.isEmpty { break }
                taken += batch
            }
            let lastOfB = try #require(taken.lastIndex { $0.tenantID == b })
            #expect(lastOfB < 20, "B's last job was take \(lastOfB + 1)")
            // Each tenant's own jobs stay in order; A's are all there.
            #expect(taken.filter { $0.tenantID == a }.map(\.id) == aJobs.map(\.id))
            #expect(taken.filter { $0.tenantID == b }.map(\.id) == bJobs.map(\.id))
            // Emptied: no tenant left in the ring, no wake token for work already taken.
            let partition = one.layout.partitions[0]
            #expect(try await redis.send("EXISTS", partition.ready, partition.wake, partition.tenant(a.uuidString.lowercased())).int == 0)

            // Sixteen partitions, one pass of batched takes as a dispatcher makes them (12 from each):
            // B's jobs are all in it, though A's backlog fills every partition.
            let queue = DeliveryQueue(redis: redis, layout: QueueLayout())
            try await Self.enqueue((0..<2000).map { Self.job(tenant: a, index: $0) }, queue)
            try await Self.enqueue((0..<10).map { Self.job(tenant: b, index: $0) }, queue)
            try await queue.heartbeat(worker: "w2", ttl: .seconds(30))
            var firstPass: [SendJob] = []
            for partition in queue.layout.partitions {
                firstPass += try await queue.take(12, from: partition, worker: "w2").map { try SendJob.decode($0) }
            }
            #expect(firstPass.count == 192)
            #expect(firstPass.filter { $0.tenantID == b }.count == 10, "\(firstPass.filter { $0.tenantID == b }.count) of B's 10 jobs")
            let stats = try await QueueStats.read(from: redis, layout: queue.layout)
            #expect(stats.pending == 2010 - 192)
            #expect(stats.busiestTenants.map(\.tenant) == [a.uuidString.lowercased()])
            #expect(stats.busiestTenants.first?.pending == 2010 - 192 && stats.otherTenantsPending == 0)
            #expect(stats.partitions.count == 16 && stats.partitions.reduce(0) { $0 + $1.processing } == 192)
            #expect(stats.workers.map(\.id) == ["w2"] && stats.workers.first?.alive == true)
        }
    }

    // MARK: Liveness, retries, dead letters

    @Test func reapingReleasingAndOrphansCoverEveryPartition() async throws {
        try await Self.withRedis { redis in
            let queue = DeliveryQueue(redis: redis, layout: QueueLayout(partitions: 4))
            let tenant = UUID()
            let jobs = (0..<40).map { Self.job(tenant: tenant, index: $0) }
            try await Self.enqueue(jobs, queue)
            #expect(Set(jobs.map { queue.layout.partition(forJobID: $0.id) }).count == 4)

            // A worker that dies holding everything: its jobs come back, oldest first again.
            try await queue.heartbeat(worker: "dead", ttl: .milliseconds(300))
            let taken = try await Self.takeAll(queue, worker: "dead")
            #expect(taken.count == 40)
            #expect(try await queue.reapDeadWorkers() == 0, "a live worker was reaped")
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await queue.reapDeadWorkers() == 40)
            var stats = try await QueueStats.read(from: redis, layout: queue.layout)
            #expect(stats.pending == 40 && stats.processing == 0 && stats.workers.isEmpty, "\(stats)")
            let retaken = try await Self.takeAll(queue, worker: "alive")
            for partition in queue.layout.partitions {
                let order = retaken.filter { $0.partition == partition }.map { try? SendJob.decode($0.raw).id }
                #expect(order == jobs.filter { queue.layout.partition(forJobID: $0.id) == partition }.map(\.id))
            }

            // A live worker stopping: everything it holds goes back.
            try await queue.heartbeat(worker: "alive", ttl: .seconds(30))
            #expect(try await queue.release(worker: "alive") == 40)
            stats = try await QueueStats.read(from: redis, layout: queue.layout)
            #expect(stats.pending == 40 && stats.processing == 0 && stats.workers.isEmpty, "\(stats)")

            // An orphan: in a live worker's list without being held; returned once.
            let orphan = try #require(try await Self.takeAll(queue, worker: "live", limit: 1).first)
            #expect(try await queue.processing(worker: "live") == [orphan])
            #expect(try await queue.returnOrphan(orphan, worker: "live"))
            #expect(try await queue.returnOrphan(orphan, worker: "live") == false)
            #expect(try await QueueStats.read(from: redis, layout: queue.layout).pending == 40)
        }
    }

    @Test func retriesAndDeadLettersLiveInEveryPartition() async throws {
        try await Self.withRedis { redis in
            let layout = QueueLayout(partitions: 4)
            let queue = DeliveryQueue(redis: redis, layout: layout)
            let jobs = (0..<12).map { Self.job(tenant: UUID(), index: $0) }
            try await Self.enqueue(jobs, queue)
            var taken = try await Self.takeAll(queue, worker: "w")
            let now = Date().millisecondsSince1970
            for (index, job) in taken.enumerated() {
                var updated = try SendJob.decode(job.raw)
                updated.attempts += 1
                try await queue.scheduleRetry(job, updated: updated.encoded(), due: index < 8 ? now - 1 : now + 600_000, worker: "w")
            }
            var stats = try await QueueStats.read(from: redis, layout: layout)
            #expect(stats.scheduled == 12 && stats.processing == 0)
            #expect(try await queue.promoteDueRetries() == 8)
            stats = try await QueueStats.read(from: redis, layout: layout)
            #expect(stats.scheduled == 4 && stats.pending == 8)

            taken = try await Self.takeAll(queue, worker: "w")
            #expect(taken.allSatisfy { (try? SendJob.decode($0.raw).attempts) == 1 })
            for (index, job) in taken.enumerated() {
                let letter = DeadLetter(
                    job: try SendJob.decode(job.raw), reason: "permanent", attempts: 1, lastError: "no", diedAt: now + Int64(index))
                try await queue.deadLetter(job, entry: Array(try JSONEncoder().encode(letter)), worker: "w")
            }
            // One dead letter left by the previous release, older than the others.
            let old = DeadLetter(job: Self.job(tenant: UUID()), reason: "exhausted", attempts: 10, lastError: "x", diedAt: now - 1000)
            try await redis.send("LPUSH", RedisKeys.Queue.Legacy.dead, Array(try JSONEncoder().encode(old)))

            let dead = DeadLetters(redis: redis, layout: layout)
            let listed = try await dead.list()
            #expect(listed.count == 9)
            #expect(listed.map(\.letter.diedAt) == listed.map(\.letter.diedAt).sorted(by: >), "not newest first")
            #expect(listed.last?.partition == nil && listed.last?.letter.reason == "exhausted")
            #expect(Set(listed.compactMap(\.partition)).count > 1)
            #expect(try await dead.list(limit: 3).map(\.letter.diedAt) == Array(listed.prefix(3).map(\.letter.diedAt)))
            #expect(try await QueueStats.read(from: redis, layout: layout).dead == 9)

            // Requeue one from a partition and the old one: both pending again, attempts reset.
            #expect(try await dead.requeue(listed[0]) == .requeued)
            #expect(try await dead.requeue(listed[0]) == .gone)
            #expect(try await dead.requeue(listed[8]) == .requeued)
            stats = try await QueueStats.read(from: redis, layout: layout)
            #expect(stats.pending == 2 && stats.dead == 7 && stats.legacy.dead == 0, "\(stats)")
            let again = try await Self.takeAll(queue, worker: "w").map { try SendJob.decode($0.raw) }
            #expect(Set(again.map(\.id)) == [listed[0].letter.id, listed[8].letter.id])
            #expect(again.allSatisfy { $0.attempts == 0 })

            #expect(try await dead.purge() == 7)
            #expect(try await QueueStats.read(from: redis, layout: layout).dead == 0)
        }
    }

    // MARK: Upgrades

    @Test func theSingleListOfThePreviousReleaseIsDrainedIntoThePartitions() async throws {
        try await Self.withRedis { redis in
            typealias Legacy = RedisKeys.Queue.Legacy
            let layout = QueueLayout()
            let tenant = UUID()
            let pending = (0..<250).map { Self.job(tenant: tenant, index: $0) }
            // As the previous release queued them: LPUSH, oldest on the right.
            for job in pending { try await redis.send("LPUSH", Legacy.pending, job.encoded()) }
            try await redis.send("LPUSH", Legacy.pending, "not a job")
            // A dead old dispatcher's jobs, and retries due now and later.
            let held = (0..<5).map { Self.job(tenant: tenant, index: 1000 + $0) }
            for job in held { try await redis.send("LPUSH", Legacy.processing(worker: "old"), job.encoded()) }
            try await redis.send("SADD", Legacy.workers, "old")
            let due = Self.job(tenant: tenant, index: 2000)
            let later = Self.job(tenant: tenant, index: 2001)
            try await redis.send("ZADD", Legacy.scheduled, Date().millisecondsSince1970 - 1, due.encoded())
            try await redis.send("ZADD", Legacy.scheduled, Date().millisecondsSince1970 + 600_000, later.encoded())

            var stats = try await QueueStats.read(from: redis, layout: layout)
            #expect(stats.legacy.pending == 251 && stats.legacy.processing == 5 && stats.legacy.scheduled == 2, "\(stats.legacy)")
            #expect(stats.pending == 251 && stats.oldestPendingAgeSeconds >= 0)

            let legacy = LegacyQueue(redis: redis, layout: layout)
            #expect(try await legacy.drain(worker: "new", heartbeatTTL: .seconds(15)) == 257)
            stats = try await QueueStats.read(from: redis, layout: layout)
            #expect(stats.legacy == QueueStats.Legacy(pending: 0, processing: 0, scheduled: 1, dead: 0), "\(stats.legacy)")
            #expect(stats.pending == 257 && stats.workers.isEmpty, "\(stats)")
            #expect(try await redis.send("EXISTS", Legacy.processing(worker: "new"), Legacy.heartbeat(worker: "new")).int == 0)
            #expect(try await redis.send("SCARD", Legacy.workers).int == 0)

            // Every job once, in its own partition, each tenant's in their old order.
            let queue = DeliveryQueue(redis: redis, layout: layout)
            let moved = try await Self.takeAll(queue, worker: "w")
            #expect(moved.count == 257)
            let decoded = moved.compactMap { try? SendJob.decode($0.raw) }
            #expect(Set(decoded.map(\.id)) == Set((pending + held + [due]).map(\.id)))
            for job in moved {
                if let decoded = try? SendJob.decode(job.raw) { #expect(layout.partition(forJobID: decoded.id) == job.partition) }
            }
            let fromPending = decoded.filter { job in pending.contains { $0.id == job.id } }
            for partition in layout.partitions {
                let expected = pending.filter { layout.partition(forJobID: $0.id) == partition }.map(\.id)
                #expect(fromPending.filter { layout.partition(forJobID: $0.id) == partition }.map(\.id) == expected)
            }
            #expect(moved.contains { $0.raw == Array("not a job".utf8) })
            #expect(try await legacy.drain(worker: "new", heartbeatTTL: .seconds(15)) == 0)
        }
    }

    @Test func anotherPartitionCountIsRefused() async throws {
        try await Self.withRedis { redis in
            let sixteen = QueueLayout()
            // Reading without recording leaves nothing behind.
            try await QueueLayout(partitions: 8).verify(using: redis, record: false)
            #expect(try await redis.send("EXISTS", RedisKeys.Queue.partitionCount).int == 0)
            try await sixteen.verify(using: redis)
            #expect(sixteen.isVerified)
            #expect(try await redis.send("GET", RedisKeys.Queue.partitionCount).string == "16")
            for layout in [QueueLayout(partitions: 8), QueueLayout(partitions: 32)] {
                let error = await #expect(throws: QueuePartitionMismatch.self) { try await layout.verify(using: redis) }
                #expect(error?.description.contains("QUEUE_PARTITIONS is \(layout.count) but the queue in Redis has 16 partitions") == true)
                #expect(!layout.isVerified)
            }
            try await QueueLayout().verify(using: redis)
        }
    }

    // MARK: Helpers

    /// A job of `tenant` with a live code and a sealed code that is not one (these tests never deliver).
    static func job(tenant: UUID, index: Int = 0) -> SendJob {
        let now = Date().millisecondsSince1970
        return SendJob(
            tenantID: tenant, connectionID: UUID(), clientID: "client", applicationName: "app", recipient: "+1415555\(index)",
            sealedCode: "sealed", codeExpiresAt: now + 600_000, createdAt: now + Int64(index))
    }

    static func enqueue(_ jobs: [SendJob], _ queue: DeliveryQueue) async throws {
        for chunk in stride(from: 0, to: jobs.count, by: 200) {
            let replies = try await queue.redis.pipeline(
                jobs[chunk..<min(jobs.count, chunk + 200)].map { DeliveryQueue.enqueue($0, layout: queue.layout) })
            for reply in replies { _ = try reply.throwingServerError() }
        }
    }

    /// Takes everything pending (or `limit` jobs) into `worker`'s processing lists.
    static func takeAll(_ queue: DeliveryQueue, worker: String, limit: Int = .max) async throws -> [TakenJob] {
        var taken: [TakenJob] = []
        for partition in queue.layout.partitions {
            while taken.count < limit {
                let batch = try await queue.take(min(64, limit - taken.count), from: partition, worker: worker)
                taken += batch.map { TakenJob(partition: partition, raw: $0) }
                if batch.isEmpty { break }
            }
        }
        return taken
    }

    /// Runs `body` with a client of a `redis-server` of its own.
    static func withRedis(_ body: (RedisClient) async throws -> Void) async throws {
        let server = try RedisServerProcess()
        try await server.start()
        let redis = RedisClient.running(configuration: try RedisConfiguration(url: server.url))
        do {
            try await body(redis)
        } catch {
            await redis.shutdown()
            await server.stop()
            throw error
        }
        await redis.shutdown()
        await server.stop()
    }
}
