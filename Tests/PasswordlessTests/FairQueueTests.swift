import Foundation
import JobQueue
import PasswordlessCore
import PostgresNIO
import RedisClient
import Testing

/// The partitioned queue with the real executables: a tenant's codes stay fast behind another
/// tenant's backlog, jobs left in the previous release's single list are all delivered, and a
/// process started with another `QUEUE_PARTITIONS` refuses to run.
@Suite("Fair queue", .serialized)
struct FairQueueTests {
    /// The tenant and connection ids of `tenant`'s connection `name`.
    static func ids(_ stack: PasswordlessStack, tenant: String, connection name: String = "sms") async throws -> (UUID, UUID) {
        try await stack.query { client in
            let rows = try await client.query(
                "SELECT c.tenant_id, c.id FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.name = \(tenant) AND c.name = \(name)"
            ).decode((UUID, UUID).self)
            for try await ids in rows { return ids }
            throw TestFailure("no connection \(name) for tenant \(tenant)")
        }
    }

    /// `count` SMS jobs for `tenant`, sealed as the gateway seals them, to numbers from `base`.
    static func jobs(_ stack: PasswordlessStack, tenant: (UUID, UUID), count: Int, base: Int) throws -> [SendJob] {
        let box = SecretBox(masterKey: try MasterKey(base64: stack.masterKey), purpose: .jobSeal)
        return (0..<count).map { index in
            SendJob.make(
                code: "424242", box: box, tenantID: tenant.0, connectionID: tenant.1, clientID: "backlog", applicationName: "backlog",
                recipient: "+\(base + index)", expiresAt: Date().addingTimeInterval(600))
        }
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .infinity }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p / 100).rounded(.up)) - 1)]
    }

    /// Tenant A has 3,000 jobs queued against a provider answering in 150 ms (one dispatcher, 32
    /// deliveries in flight: a backlog of about 14 s); tenant B asks for 40 codes meanwhile.
    /// Without turns B's codes would wait behind the whole backlog; with them, B waits about one
    /// turn. A's backlog is still delivered in full.
    @Test func aSecondTenantsCodesStayFastBehindAnotherTenantsBacklog() async throws {
        let attempts = FileManager.default.temporaryDirectory.appendingPathComponent("attempts-\(UUID().uuidString).jsonl")
        var options = PasswordlessStack.Options()
        options.twilioArguments = ["--delay-ms", "150", "--attempts-out", attempts.path]
        options.dispatcherEnvironment = ["DISPATCHER_CONCURRENCY": "32"]
        try await PasswordlessStack.with(options) { stack in
            _ = try await stack.makeTenant(name: "acme")
            let b = try await stack.makeTenant(name: "beta")

            // An idle dispatcher takes a job as it is queued (its fetchers wait on the wake
            // list), not on its next look at the partition, which is a second away.
            var idleWaits: [Double] = []
            for index in 0..<5 {
                try await Task.sleep(for: .milliseconds(Int.random(in: 200...700)))
                let number = "+1415810\(String(format: "%04d", index))"
                let reply = try await stack.post(
                    "/passwordless/start", json: ["client_id": b.clientID, "connection": "sms", "phone_number": number])
                #expect(reply.status == 200)
                let answered = Date().timeIntervalSince1970
                _ = try await stack.smsCode(to: number)
                let job = try #require(stack.smsMessages().first { $0.To == number }?.idempotency_token)
                let delivered = try #require(DeliveryTests.attempts(attempts).first { $0.job == job }?.t)
                idleWaits.append(delivered - answered - 0.150)  // the provider records after its 150 ms
            }
            print(
                String(
                    format: "fairness: an idle dispatcher took a new job after %.0f ms at the median", Self.percentile(idleWaits, 50) * 1000
                ))
            #expect(Self.percentile(idleWaits, 50) < 0.2, "\(idleWaits)")
            let backlog = try Self.jobs(stack, tenant: try await Self.ids(stack, tenant: "acme"), count: 3000, base: 14_157_000_000)
            let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
            let layout = QueueLayout()
            for chunk in stride(from: 0, to: backlog.count, by: 250) {
                for reply in try await redis.pipeline(backlog[chunk..<(chunk + 250)].map { DeliveryQueue.enqueue($0, layout: layout) }) {
                    _ = try reply.throwingServerError()
                }
            }
            let queued = ContinuousClock.now
            try await Task.sleep(for: .seconds(2))

            // The busiest tenant shows in the dispatcher's gauges (sampled every 2 s).
            let metrics = String(decoding: try await HTTPProbe.get("http://127.0.0.1:\(stack.dispatcherPort)/metrics").body, as: UTF8.self)
            let tenantA = backlog[0].tenantKey
            #expect(metrics.contains(#"passwordless_queue_tenant_pending{tenant="\#(tenantA)"}"#), "no gauge for the busy tenant")
            #expect(metrics.contains(#"passwordless_queue_partition_pending{partition="15"}"#))

            // B's codes through the gateway, one every 100 ms.
            var answered: [String: Double] = [:]
            for index in 0..<40 {
                let number = "+1415800\(String(format: "%04d", index))"
                let reply = try await stack.post(
                    "/passwordless/start", json: ["client_id": b.clientID, "connection": "sms", "phone_number": number])
                #expect(reply.status == 200)
                answered[number] = Date().timeIntervalSince1970
                try await Task.sleep(for: .milliseconds(100))
            }
            let allOfB = await TestEnvironment.eventually(within: .seconds(30)) {
                Set(stack.smsMessages().map(\.To)).isSuperset(of: answered.keys)
            }
            #expect(allOfB, "B's codes were not all delivered")
            let log = DeliveryTests.attempts(attempts)
            let jobOf = Dictionary(stack.smsMessages().compactMap { sms in sms.idempotency_token.map { (sms.To, $0) } }) { first, _ in first
            }
            let deliveredAt = Dictionary(log.filter { $0.status == 201 }.compactMap { entry in entry.job.map { ($0, entry.t) } }) {
                first, _ in
                first
            }
            let waits = answered.compactMap { number, at in jobOf[number].flatMap { deliveredAt[$0] }.map { $0 - at } }
            let lastOfB = answered.keys.compactMap { jobOf[$0].flatMap { deliveredAt[$0] } }.max() ?? 0
            let backlogIDs = Set(backlog.map(\.id))
            let aBeforeB = log.filter { $0.status == 201 && $0.t <= lastOfB && $0.job.map(backlogIDs.contains) == true }.count
            let median = Self.percentile(waits, 50)
            let p99 = Self.percentile(waits, 99)
            print(
                String(
                    format: "fairness: tenant B waited %.3f s at the median, %.3f s at p99; %d of A's 3000 delivered by then", median, p99,
                    aBeforeB))
            #expect(waits.count == 40)
            #expect(p99 < 2, "tenant B's p99 wait was \(p99) s")
            #expect(aBeforeB < 3000, "A's backlog was gone before B's codes were sent: the test proves nothing")

            // And A's backlog arrives in full.
            let complete = await TestEnvironment.eventually(within: .seconds(60), every: .milliseconds(250)) {
                backlogIDs.isSubset(of: Set(DeliveryTests.deliveredJobIDs(stack)))
            }
            let delivered = Set(DeliveryTests.deliveredJobIDs(stack)).intersection(backlogIDs).count
            print("fairness: A's backlog of 3000 delivered in \(ContinuousClock.now - queued) (\(delivered) of 3000)")
            #expect(complete, "only \(delivered) of A's 3000 jobs delivered")
            await redis.shutdown()
            try await DeliveryTests.expectSettled(stack)
        }
    }

    /// Jobs a gateway of the previous release queued, a dead old dispatcher's jobs and an old
    /// retry, all under `{queue}`: a running dispatcher moves them into the partitions and
    /// delivers every one.
    @Test func jobsOfThePreviousReleasesSingleListAreAllDelivered() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let jobs = try Self.jobs(stack, tenant: try await Self.ids(stack, tenant: "acme"), count: 66, base: 14_157_100_000)
            typealias Legacy = RedisKeys.Queue.Legacy
            let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
            for job in jobs[0..<60] { try await redis.send("LPUSH", Legacy.pending, job.encoded()) }
            for job in jobs[60..<65] { try await redis.send("LPUSH", Legacy.processing(worker: "old-dispatcher"), job.encoded()) }
            try await redis.send("SADD", Legacy.workers, "old-dispatcher")
            try await redis.send("ZADD", Legacy.scheduled, Date().millisecondsSince1970 - 1, jobs[65].encoded())

            let all = await TestEnvironment.eventually(within: .seconds(20)) {
                Set(DeliveryTests.deliveredJobIDs(stack)).isSuperset(of: jobs.map(\.id))
            }
            #expect(all, "\(Set(DeliveryTests.deliveredJobIDs(stack)).count) of 66 delivered:\n\(stack.dispatcher.output.suffix(2000))")
            #expect(stack.dispatcher.output.contains("moved jobs of the single-list queue into the partitions"))
            let drained = await TestEnvironment.eventually(within: .seconds(5)) {
                (try? await redis.send("EXISTS", Legacy.pending, Legacy.scheduled, Legacy.workers).int) == 0
            }
            #expect(drained)
            let stats = try await DeliveryTests.stats(stack)
            #expect(stats.legacy.isEmpty, "\(stats.legacy)")
            await redis.shutdown()
            try await DeliveryTests.expectSettled(stack)
        }
    }

    /// The stack's services recorded 16 partitions; a dispatcher, a gateway or the admin CLI
    /// told otherwise refuses with one line naming both numbers.
    @Test func aProcessWithAnotherPartitionCountRefusesToRun() async throws {
        try await PasswordlessStack.with { stack in
            let line = "QUEUE_PARTITIONS is 8 but the queue in Redis has 16 partitions"
            for name in ["passwordless-dispatcher", "passwordless-gateway"] {
                var environment = stack.environment
                environment["QUEUE_PARTITIONS"] = "8"
                environment["PORT"] = String(try TestEnvironment.freePort())
                environment["METRICS_PORT"] = String(try TestEnvironment.freePort())
                if name == "passwordless-dispatcher" { environment["METRICS_PORT"] = nil }
                let process = try ManagedProcess.service(name, environment: environment)
                let status = await process.waitForExit(within: .seconds(20))
                #expect(status == 1, "\(name) kept running with QUEUE_PARTITIONS=8:\n\(process.output)")
                #expect(process.output.contains("\(name): \(line)"), "\(process.output)")
                #expect(process.output.split(separator: "\n").filter { $0.contains("QUEUE_PARTITIONS") }.count == 1, "\(process.output)")
            }
            let stats = try await stack.admin(["queue", "stats", "--queue-partitions", "8"])
            #expect(stats.status != 0 && stats.output.contains(line), "\(stats.output)")
            #expect(try await stack.admin(["queue", "stats"]).status == 0)
            #expect(stack.dispatcher.isRunning)
        }
    }
}
