import Foundation
import JobQueue
import RedisClient
import Testing

/// Delivery that never loses a message: the real gateway and dispatchers, a real Redis, and the
/// fake Twilio counting what it received per job id (the `I-Twilio-Idempotency-Token` header).
@Suite("Delivery", .serialized)
struct DeliveryTests {
    /// Requests `count` codes through the gateway, `parallel` at a time, to distinct numbers.
    static func requestCodes(
        _ stack: PasswordlessStack, clientID: String, count: Int, parallel: Int = 32, connection: String = "sms", base: Int = 14_155_000_000
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                if index >= parallel { try await group.next() }
                group.addTask {
                    let reply = try await stack.post(
                        "/passwordless/start", json: ["client_id": clientID, "connection": connection, "phone_number": "+\(base + index)"])
                    guard reply.status == 200 else {
                        throw TestFailure("start \(index) answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Job ids the fake Twilio accepted, with repeats.
    static func deliveredJobIDs(_ stack: PasswordlessStack) -> [String] {
        stack.smsMessages().compactMap(\.idempotency_token)
    }

    struct Attempt: Decodable {
        var t: Double
        var job: String?
        var status: Int
    }

    static func attempts(_ file: URL) -> [Attempt] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Attempt.self, from: Data($0.utf8)) }
    }

    static func stats(_ stack: PasswordlessStack) async throws -> QueueStats {
        let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
        defer { Task { await redis.shutdown() } }
        return try await QueueStats.read(from: redis, layout: QueueLayout())
    }

    /// Every pending job in the partitions (each tenant's list in every partition's ring).
    static func pendingJobs(_ redis: RedisClient, layout: QueueLayout = QueueLayout()) async throws -> [[UInt8]] {
        var jobs: [[UInt8]] = []
        for partition in layout.partitions {
            for tenant in try await redis.send("LRANGE", partition.ready, 0, -1).array?.compactMap(\.string) ?? [] {
                jobs += try await redis.send("LRANGE", partition.tenant(tenant), 0, -1).array?.compactMap(\.bytes) ?? []
            }
        }
        return jobs
    }

    /// Every list but dead is empty (within a moment: the provider records a message just before
    /// the dispatcher removes the job from its processing list).
    static func expectSettled(_ stack: PasswordlessStack, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let settled = await TestEnvironment.eventually(within: .seconds(10)) {
            guard let stats = try? await Self.stats(stack) else { return false }
            return stats.pending == 0 && stats.processing == 0 && stats.scheduled == 0 && stats.dead == 0
        }
        let stats = try await Self.stats(stack)
        #expect(settled, "\(stats)", sourceLocation: sourceLocation)
    }

    /// Against each Redis deployment: a single node, a TLS node and the cluster.
    @Test(arguments: RedisTarget.allCases) func aKilledDispatcherLosesNothing(redis: RedisTarget) async throws {
        var options = PasswordlessStack.Options()
        options.redis = redis
        options.dispatchers = 2
        options.twilioArguments = ["--delay-ms", "100"]
        options.dispatcherEnvironment = ["DISPATCHER_HEARTBEAT_TTL": "3", "DISPATCHER_CONCURRENCY": "64"]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let total = 2000
            let victim = stack.dispatcher
            let killer = Task {
                _ = await TestEnvironment.eventually(within: .seconds(60), every: .milliseconds(20)) {
                    Self.deliveredJobIDs(stack).count >= 300
                }
                victim.signal(SIGKILL)
            }
            try await Self.requestCodes(stack, clientID: tenant.clientID, count: total)
            await killer.value
            #expect(await victim.waitForExit(within: .seconds(5)) != nil, "the dispatcher was not killed")

            let complete = await TestEnvironment.eventually(within: .seconds(90), every: .milliseconds(200)) {
                Set(Self.deliveredJobIDs(stack)).count >= total
            }
            let delivered = Self.deliveredJobIDs(stack)
            let unique = Set(delivered).count
            let duplicates = delivered.count - unique
            print("killed dispatcher (\(redis)): \(total) jobs, \(unique) delivered, \(total - unique) lost, \(duplicates) duplicates")
            #expect(complete, "only \(unique) of \(total) delivered")
            #expect(unique == total)
            #expect(duplicates <= 64, "\(duplicates) duplicates, more than the killed dispatcher had in flight")
            try await Self.expectSettled(stack)
        }
    }

    @Test func anOutageIsRetriedWithBackoffAndExpiredCodesAreNeverSent() async throws {
        let attempts = FileManager.default.temporaryDirectory.appendingPathComponent("attempts-\(UUID().uuidString).jsonl")
        var options = PasswordlessStack.Options()
        options.twilioArguments = ["--fail-for-seconds", "30", "--attempts-out", attempts.path]
        options.dispatcherEnvironment = ["DISPATCHER_RETRY_CAP": "4", "DISPATCHER_MAX_ATTEMPTS": "60"]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            try await stack.create([
                "connection", "create", "--tenant", "acme", "--name", "sms-short", "--strategy", "sms", "--provider", "twilio",
                "--twilio-account-sid", PasswordlessStack.twilioSID, "--twilio-auth-token", PasswordlessStack.twilioToken,
                "--from", "+15005550006", "--twilio-base-url", "http://127.0.0.1:\(stack.twilioPort)", "--code-ttl", "3",
            ])
            try await Self.requestCodes(stack, clientID: tenant.clientID, count: 20)
            try await Self.requestCodes(stack, clientID: tenant.clientID, count: 1, connection: "sms-short", base: 14_155_900_000)
            let shortStarted = Date().timeIntervalSince1970

            let delivered = await TestEnvironment.eventually(within: .seconds(75), every: .milliseconds(250)) {
                Set(Self.deliveredJobIDs(stack)).count >= 20
            }
            #expect(delivered, "only \(Set(Self.deliveredJobIDs(stack)).count) of 20 delivered after the outage")

            let log = Self.attempts(attempts)
            let recovery = try #require(log.first { $0.status == 201 }?.t)
            let failures = log.filter { $0.status == 503 }
            #expect(failures.allSatisfy { $0.t < recovery })
            // Backoff: the gaps between one job's attempts grow (full jitter: later gaps are drawn
            // from wider ranges), and the provider was not hammered.
            var firstGaps: [Double] = []
            var laterGaps: [Double] = []
            for (_, jobAttempts) in Dictionary(grouping: log.filter { $0.job != nil }, by: { $0.job! }) {
                let times = jobAttempts.map(\.t).sorted()
                #expect(times.count < 40, "\(times.count) attempts for one job in the outage")
                for index in 1..<max(1, times.count) {
                    (index == 1 ? { firstGaps.append($0) } : { laterGaps.append($0) })(times[index] - times[index - 1])
                }
            }
            let mean = { (gaps: [Double]) in gaps.reduce(0, +) / Double(max(1, gaps.count)) }
            print("outage: \(failures.count) failed attempts; mean first gap \(mean(firstGaps))s, mean later gap \(mean(laterGaps))s")
            #expect(!laterGaps.isEmpty && mean(laterGaps) > mean(firstGaps))

            // The short-lived code expired during the outage: dead-lettered as expired, never sent.
            let dead = try await stack.admin(["dead", "list"])
            #expect(dead.output.contains("expired"), "\(dead.output)")
            #expect(stack.smsMessages().filter { $0.To == "+14155900000" }.isEmpty)
            let shortAttempts = log.filter { attempt in
                attempt.job != nil && !Set(Self.deliveredJobIDs(stack)).contains(attempt.job!)
            }
            #expect(shortAttempts.allSatisfy { $0.t < shortStarted + 3.5 }, "an attempt was made after the code expired")
            let requeue = try await stack.admin(["dead", "requeue", "--all"], json: false)
            #expect(requeue.output.contains("requeued: 0, code expired (left dead): 1"), "\(requeue.output)")
            let stats = try await Self.stats(stack)
            #expect(stats.pending == 0 && stats.scheduled == 0 && stats.dead == 1, "\(stats)")
        }
    }

    @Test func aRedisRestartLosesNothing() async throws {
        var options = PasswordlessStack.Options()
        options.redisArguments = ["--appendonly", "yes", "--appendfsync", "always"]
        options.twilioArguments = ["--delay-ms", "500"]
        options.dispatcherEnvironment = ["DISPATCHER_CONCURRENCY": "32"]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let total = 300
            try await Self.requestCodes(stack, clientID: tenant.clientID, count: total)
            _ = await TestEnvironment.eventually(within: .seconds(30), every: .milliseconds(50)) { Self.deliveredJobIDs(stack).count >= 40 }
            await stack.redis.stop()
            try await Task.sleep(for: .seconds(1))
            try await stack.redis.start()

            let complete = await TestEnvironment.eventually(within: .seconds(60), every: .milliseconds(200)) {
                Set(Self.deliveredJobIDs(stack)).count >= total
            }
            let delivered = Self.deliveredJobIDs(stack)
            print("redis restart: \(total) jobs, \(Set(delivered).count) delivered, \(delivered.count - Set(delivered).count) duplicates")
            #expect(
                complete, "only \(Set(delivered).count) of \(total) delivered after the restart:\n\(stack.dispatcher.output.suffix(3000))")
            let running = stack.dispatchers.allSatisfy { $0.isRunning }
            #expect(running)
            try await Self.expectSettled(stack)
        }
    }

    /// A job in a live worker's processing list that the worker does not hold (Redis moved it
    /// but the take's reply was lost) is handed back and delivered.
    @Test func orphanedJobsOfALiveWorkerAreHandedBack() async throws {
        var options = PasswordlessStack.Options()
        options.twilioArguments = ["--delay-ms", "1500"]
        options.dispatcherEnvironment = ["DISPATCHER_CONCURRENCY": "1", "DISPATCHER_HEARTBEAT_TTL": "3"]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            try await Self.requestCodes(stack, clientID: tenant.clientID, count: 3, parallel: 1)
            let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
            let layout = QueueLayout()
            let worker = try #require(try await redis.send("SMEMBERS", layout.partitions[0].workers).array?.first?.string)
            var moved = 0
            for partition in layout.partitions where moved == 0 {
                moved = try await DeliveryQueue(redis: redis, layout: layout).take(1, from: partition, worker: worker).count
            }
            #expect(moved == 1, "nothing was pending to orphan")
            await redis.shutdown()
            let all = await TestEnvironment.eventually(within: .seconds(20)) { Set(Self.deliveredJobIDs(stack)).count == 3 }
            #expect(all, "the orphaned job was not delivered:\n\(stack.dispatcher.output.suffix(2000))")
            try await Self.expectSettled(stack)
        }
    }

    @Test func refusalsAreDeadLetteredOnceAndOperatorsCanInspectThem() async throws {
        let attempts = FileManager.default.temporaryDirectory.appendingPathComponent("attempts-\(UUID().uuidString).jsonl")
        var options = PasswordlessStack.Options()
        options.twilioArguments = ["--attempts-out", attempts.path]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let reply = try await stack.post(
                "/passwordless/start", json: ["client_id": tenant.clientID, "connection": "sms", "phone_number": "+15005550001"])
            #expect(reply.status == 200)
            let dead = await TestEnvironment.eventually(within: .seconds(10)) { (try? await Self.stats(stack).dead) == 1 }
            #expect(dead)
            let listed = try await stack.admin(["dead", "list", "--json"], json: false)
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any])
            #expect((entry["reason"] as? String)?.contains("21211") == true, "\(entry)")
            #expect(entry["attempts"] as? Int == 1)
            #expect(entry["recipient"] as? String == "+15005550001")
            #expect(Self.attempts(attempts).count == 1, "the refusal was retried")
            try await Task.sleep(for: .seconds(2))
            #expect(Self.attempts(attempts).count == 1, "the refusal was retried")

            let stats = try await stack.admin(["queue", "stats"])
            #expect(stats.json["dead"] as? Int == 1 && stats.json["pending"] as? Int == 0, "\(stats.output)")
            #expect(stats.json.keys.contains("oldest_pending_age_seconds"))
            let purge = try await stack.admin(["dead", "purge"], json: false)
            #expect(purge.output.contains("purged: 1"))
            #expect(try await Self.stats(stack).dead == 0)

            let metrics = try await HTTPProbe.get("http://127.0.0.1:\(stack.dispatcherPort)/metrics")
            let text = String(decoding: metrics.body, as: UTF8.self)
            for series in [
                "passwordless_queue_pending", "passwordless_queue_dead", "passwordless_queue_oldest_pending_age_seconds",
                "passwordless_dead_letters_total",
            ] {
                #expect(text.contains(series), "\(series) missing from /metrics")
            }
        }
    }

    /// Bytes that are not a job are dead-lettered as an entry operators can list (without the
    /// bytes), count and purge, and that is never requeued. They are pushed where the previous
    /// release queued jobs, so they also go through the drain of that list into the partitions.
    @Test func malformedJobsAreDeadLetteredVisibly() async throws {
        try await PasswordlessStack.with { stack in
            let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
            try await redis.send("LPUSH", "pl:{queue}:pending", #"{"id":"half a job"#)
            await redis.shutdown()
            let dead = await TestEnvironment.eventually(within: .seconds(10)) { (try? await Self.stats(stack).dead) == 1 }
            #expect(dead, "the malformed job was not dead-lettered:\n\(stack.dispatcher.output.suffix(2000))")

            let id = "malformed-96f550fe1b9c97f8"
            let listed = try await stack.admin(["dead", "list", "--json"], json: false)
            let object = try JSONSerialization.jsonObject(with: Data(listed.output.utf8))
            let entry = try #require(object as? [String: Any], "\(listed.output)")
            #expect(entry["job_id"] as? String == id && entry["reason"] as? String == "malformed", "\(entry)")
            #expect(entry["raw_length"] as? Int == 17 && entry["attempts"] as? Int == 0)
            #expect(entry["raw_sha256"] as? String == "96f550fe1b9c97f815cf27b077fc392512dbaacd7757e69dc25f329bc9e0fa04")
            let text = try await stack.admin(["dead", "list"], json: false)
            #expect(text.output.hasPrefix("\(id)  -  malformed  attempts=0"), "\(text.output)")
            #expect(!(listed.output + text.output).contains("half a job"))

            let requeue = try await stack.admin(["dead", "requeue", id], json: false)
            #expect(requeue.status != 0 && requeue.output.contains("cannot be requeued"), "\(requeue.output)")
            #expect(requeue.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count == 1, "\(requeue.output)")
            let all = try await stack.admin(["dead", "requeue", "--all"], json: false)
            #expect(all.output.contains("requeued: 0, code expired (left dead): 0, malformed (left dead): 1"), "\(all.output)")
            let stats = try await Self.stats(stack)
            #expect(stats.pending == 0 && stats.processing == 0 && stats.dead == 1, "\(stats)")
            #expect(try await stack.admin(["dead", "purge"], json: false).output.contains("purged: 1"))
        }
    }

    @Test func sigtermFinishesOrHandsBackEveryJob() async throws {
        var options = PasswordlessStack.Options()
        options.twilioArguments = ["--delay-ms", "3000"]
        options.dispatcherEnvironment = ["DISPATCHER_SHUTDOWN_GRACE": "1", "DISPATCHER_CONCURRENCY": "64"]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let total = 200
            try await Self.requestCodes(stack, clientID: tenant.clientID, count: total)
            try await Task.sleep(for: .milliseconds(500))
            let stopping = ContinuousClock.now
            stack.dispatcher.signal(SIGTERM)
            let status = await stack.dispatcher.waitForExit(within: .seconds(8))
            let took = ContinuousClock.now - stopping
            print("sigterm: exited with \(String(describing: status)) after \(took)")
            #expect(status == 0, "the dispatcher did not exit cleanly within 8 s:\n\(stack.dispatcher.output.suffix(2000))")
            #expect(took < .seconds(5), "took \(took) with a 1 s grace")

            try await Task.sleep(for: .seconds(3))  // let the fake provider finish requests that were cut off
            let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
            let pendingIDs = try await Self.pendingJobs(redis).compactMap { try? SendJob.decode($0).id }
            await redis.shutdown()
            let delivered = Set(Self.deliveredJobIDs(stack))
            #expect(delivered.union(pendingIDs).count == total, "\(delivered.count) delivered + \(pendingIDs.count) pending ≠ \(total)")
            let stats = try await Self.stats(stack)
            #expect(stats.processing == 0 && stats.scheduled == 0 && stats.dead == 0, "\(stats)")
        }
    }
}
