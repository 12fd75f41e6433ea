import Foundation
import NIOConcurrencyHelpers
import Testing

/// The whole system on the test Redis Cluster while the cluster misbehaves: a master dies
/// (kill -9) in the middle of a burst of starts, and slots move (`redis-cli --cluster reshard`)
/// while people sign in. Every test leaves the cluster healthy, as it found it, even when it fails.
@Suite("Cluster chaos", .serialized)
struct ClusterChaosTests {
    /// Runs `body`, then gets the cluster healthy again (``RedisClusterControl/restore()``) whether
    /// or not `body` threw, so that a failing test does not take the tests after it down too.
    /// With `rebalance`, slots are also moved back until the masters serve about as many each.
    static func restoring(_ cluster: RedisClusterControl, rebalance: Bool = false, after body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            _ = try? await cluster.restore()
            if rebalance { try? await cluster.rebalance() }
            throw error
        }
        let restored = try await cluster.restore()
        if rebalance { try await cluster.rebalance() }
        print("cluster chaos: restore: \(restored)\(rebalance ? ", rebalanced" : "")")
    }

    /// Every key matching `pattern` on every master.
    static func keys(_ cluster: RedisClusterControl, matching pattern: String) -> [String] {
        var keys: [String] = []
        for master in (try? cluster.masters()) ?? [] {
            var cursor = "0"
            repeat {
                guard let reply = try? RawRedis.send(port: master.port, "SCAN", cursor, "MATCH", pattern, "COUNT", "1000"),
                    let parts = reply.array, parts.count == 2, let next = parts[0].string
                else { break }
                cursor = next
                keys += parts[1].array?.compactMap(\.string) ?? []
            } while cursor != "0"
        }
        return keys
    }

    /// 2,000 starts, paced over about 12 s with at most 32 in flight, with `REDIS_MIN_REPLICAS=1`;
    /// after 500 answers the master holding the most queue keys is SIGKILLed. Its replica takes
    /// over (about 2.5 s with a 2 s node timeout); the killed node is started again as soon as it
    /// has, and rejoins as the new master's replica: until then that master has no replica, so a
    /// start whose writes land there cannot be acknowledged as replicated and answers 503.
    /// Clients see 200 or 503, never 500; every start answered 200 is delivered; the duplicates
    /// (a take or an acknowledgement the dead master had not replicated) are at most the jobs the
    /// dispatcher had in flight.
    @Test func aMasterKilledMidLoadLosesNoAcknowledgedCode() async throws {
        let concurrency = 32
        var options = PasswordlessStack.Options()
        options.redis = .cluster
        options.environment = ["REDIS_MIN_REPLICAS": "1", "DEPENDENCY_TIMEOUT": "3"]
        options.twilioArguments = ["--delay-ms", "20"]
        options.dispatcherEnvironment = ["DISPATCHER_CONCURRENCY": String(concurrency), "DISPATCHER_HEARTBEAT_TTL": "5"]
        try await PasswordlessStack.with(options) { stack in
            let cluster = try #require(stack.redis.cluster)
            try await Self.restoring(cluster) {
                let tenant = try await stack.makeTenant()
                let total = 2000
                let number: @Sendable (Int) -> String = { "+1415700\(String(format: "%04d", $0))" }
                let statuses = NIOLockedValueBox([Int](repeating: 0, count: total))
                let answered = NIOLockedValueBox(0)
                let began = ContinuousClock.now

                // The killer: after 500 answers, kill -9 the busiest queue master, wait for its
                // replica to take over, and start it again (it rejoins as a replica).
                let killer = Task {
                    () throws -> (killed: RedisClusterControl.Node, promoted: RedisClusterControl.Node, failover: Duration) in
                    _ = await TestEnvironment.eventually(within: .seconds(60), every: .milliseconds(10)) {
                        answered.withLockedValue { $0 } >= 500
                    }
                    let victim = try cluster.masterHoldingMostKeys(matching: "pl:{queue:*")
                    let killedAt = ContinuousClock.now
                    let killed = try await cluster.killNode(port: victim.port)
                    print(
                        "cluster chaos: killed master \(killed) at \(killedAt - began), \(answered.withLockedValue { $0 }) starts answered")
                    let promoted = try await cluster.waitForFailover(of: killed)
                    let failover = ContinuousClock.now - killedAt
                    print("cluster chaos: \(promoted) took over after \(failover)")
                    try await cluster.restartNode(port: killed.port)
                    print("cluster chaos: the killed node is back at \(ContinuousClock.now - began)")
                    return (killed, promoted, failover)
                }

                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<total {
                        if index >= concurrency { try await group.next() }
                        // About 166 starts a second, so the load spans the kill and the failover.
                        let due = began + .milliseconds(6 * index)
                        if due > ContinuousClock.now { try await Task.sleep(until: due, clock: .continuous) }
                        group.addTask {
                            let status: Int
                            do {
                                status = try await stack.post(
                                    "/passwordless/start",
                                    json: ["client_id": tenant.clientID, "connection": "sms", "phone_number": number(index)]
                                ).status
                            } catch {
                                status = -1  // no answer at all (a timeout, a reset)
                            }
                            statuses.withLockedValue { $0[index] = status }
                            answered.withLockedValue { $0 += 1 }
                        }
                    }
                    try await group.waitForAll()
                }
                let loadTook = ContinuousClock.now - began
                let chaos = try await killer.value
                #expect(chaos.promoted.id != chaos.killed.id)
                #expect(chaos.promoted.port != chaos.killed.port)

                let all = statuses.withLockedValue { $0 }
                var counts: [Int: Int] = [:]
                for status in all { counts[status, default: 0] += 1 }
                let ok = Set((0..<total).filter { all[$0] == 200 }.map(number))
                print(
                    "cluster chaos: \(total) starts in \(loadTook): "
                        + counts.sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }.joined(separator: ", "))
                #expect(counts[500] == nil, "a client saw 500")
                #expect(Set(counts.keys).isSubset(of: [200, 503]), "statuses other than 200 and 503: \(counts)")
                #expect(ok.count > total / 2, "only \(ok.count) of \(total) starts answered 200")

                // Every acknowledged start is delivered.
                let delivered = await TestEnvironment.eventually(within: .seconds(60), every: .milliseconds(250)) {
                    ok.isSubset(of: Set(stack.smsMessages().map(\.To)))
                }
                let messages = stack.smsMessages()
                var perNumber: [String: Int] = [:]
                for message in messages { perNumber[message.To, default: 0] += 1 }
                let missing = ok.subtracting(perNumber.keys)
                let duplicates = perNumber.values.reduce(0) { $0 + max(0, $1 - 1) }
                let deliveredAfter503 = perNumber.keys.filter { !ok.contains($0) }.count
                print(
                    "cluster chaos: \(ok.count) acknowledged, \(ok.count - missing.count) of them delivered, \(missing.count) lost; "
                        + "\(duplicates) duplicates; \(deliveredAfter503) delivered although the start answered 503 "
                        + "(written, not acknowledged as replicated); failover \(chaos.failover)")
                #expect(delivered, "\(missing.count) acknowledged codes never delivered, e.g. \(missing.sorted().prefix(5))")
                #expect(duplicates <= concurrency, "\(duplicates) duplicates, more than the \(concurrency) jobs in flight")
                try await DeliveryTests.expectSettled(stack)
            }
        }
    }

    /// `redis-cli --cluster reshard` moves 2,500 slots — among them some of the queue's partitions
    /// and, as they come, login codes — from one master to another while logins run (start, the
    /// code from the fake Twilio, the exchange at `/oauth/token`), at least 300 and as long as the
    /// reshard lasts. Every start and every exchange answers 200: MOVED and ASK never reach a client.
    @Test func reshardingWhileLoginsRunFailsNone() async throws {
        var options = PasswordlessStack.Options()
        options.redis = .cluster
        try await PasswordlessStack.with(options) { stack in
            let cluster = try #require(stack.redis.cluster)
            // Afterwards the slots move back: the next test starts from three equal masters.
            try await Self.restoring(cluster, rebalance: true) {
                let tenant = try await stack.makeTenant()
                // redis-cli takes a source's slots from its lowest: move from the master whose
                // lowest 2,500 slots hold the most queue partitions.
                let slotCount = 2500
                let partitionSlots = (0..<16).map { RedisClusterControl.hashSlot("pl:{queue:\($0)}:ready") }
                func lowest(_ node: RedisClusterControl.Node) -> Set<Int> {
                    Set(node.slots.flatMap { Array($0) }.sorted().prefix(slotCount))
                }
                let masters = try cluster.masters()
                let source = try #require(
                    masters.max { lowest($0).intersection(partitionSlots).count < lowest($1).intersection(partitionSlots).count })
                let target = try #require(masters.first { $0.id != source.id })
                let sourceSlots = Set(source.slots.flatMap { Array($0) })

                let minimum = 300
                let parallel = 8
                let done = NIOLockedValueBox(0)
                let failures = NIOLockedValueBox<[String]>([])
                let codeSlots = NIOLockedValueBox(Set<Int>())
                let reshardRunning = NIOLockedValueBox(true)
                let began = ContinuousClock.now
                let reshard = try cluster.startReshard(slots: slotCount, from: source, to: target)

                // Which slots held a live code while the reshard ran (to show that codes moved).
                let sampler = Task {
                    while reshardRunning.withLockedValue({ $0 }) {
                        let slots = Self.keys(cluster, matching: "pl:otp:*").map(RedisClusterControl.hashSlot)
                        codeSlots.withLockedValue { $0.formUnion(slots) }
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
                let logins = Task {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for worker in 0..<parallel {
                            group.addTask {
                                var round = 0
                                while done.withLockedValue({ $0 }) < minimum || reshardRunning.withLockedValue({ $0 }) {
                                    guard ContinuousClock.now - began < .seconds(90) else { return }
                                    let phone = "+1415720\(worker)\(String(format: "%03d", round))"
                                    round += 1
                                    do {
                                        let start = try await stack.post(
                                            "/passwordless/start",
                                            json: ["client_id": tenant.clientID, "connection": "sms", "phone_number": phone])
                                        guard start.status == 200 else {
                                            failures.withLockedValue {
                                                $0.append("start \(phone): \(start.status) \(String(decoding: start.body, as: UTF8.self))")
                                            }
                                            continue
                                        }
                                        let code = try await stack.smsCode(to: phone)
                                        let token = try await stack.post(
                                            "/oauth/token",
                                            json: [
                                                "grant_type": FlowTests.otpGrant, "client_id": tenant.clientID, "username": phone,
                                                "otp": code,
                                                "realm": "sms", "scope": "openid",
                                            ])
                                        guard token.status == 200, token.json?["id_token"] != nil else {
                                            failures.withLockedValue {
                                                $0.append(
                                                    "exchange \(phone): \(token.status) \(String(decoding: token.body, as: UTF8.self))")
                                            }
                                            continue
                                        }
                                        done.withLockedValue { $0 += 1 }
                                    } catch {
                                        failures.withLockedValue { $0.append("\(phone): \(error)") }
                                    }
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                }
                var reshardError: (any Error)?
                do { try await cluster.finish(reshard) } catch { reshardError = error }
                let reshardTook = ContinuousClock.now - began
                let loginsDuringReshard = done.withLockedValue { $0 }
                reshardRunning.withLockedValue { $0 = false }
                try await logins.value
                await sampler.value
                if let reshardError { throw reshardError }

                let targetAfter = try #require(try cluster.nodes().first { $0.id == target.id })
                let moved = sourceSlots.intersection(targetAfter.slots.flatMap { Array($0) })
                let movedPartitions = partitionSlots.filter(moved.contains).count
                let movedCodeSlots = codeSlots.withLockedValue { $0 }.intersection(moved).count
                let total = done.withLockedValue { $0 }
                let failed = failures.withLockedValue { $0 }
                print(
                    "cluster chaos: reshard moved \(moved.count) slots (\(movedPartitions) of 16 queue partitions, \(movedCodeSlots) slots "
                        + "that held a live code) from \(source) to \(target) in \(reshardTook); \(loginsDuringReshard) logins during it, "
                        + "\(total) in all, \(failed.count) failed")
                #expect(moved.count == slotCount)
                #expect(movedPartitions > 0, "no queue partition was among the moved slots")
                #expect(loginsDuringReshard > 0, "the reshard ended before a login did: the test proves nothing")
                #expect(failed.isEmpty, "\(failed.count) logins failed: \(failed.prefix(10))")
                #expect(total >= minimum)

                try await DeliveryTests.expectSettled(stack)
            }
        }
    }
}
