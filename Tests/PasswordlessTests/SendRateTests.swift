import Foundation
import JobQueue
import LoginCodes
import PasswordlessCore
import RedisClient
import Testing

/// Provider politeness: a connection's `--send-rate N/SECONDS` is one token bucket in Redis that
/// every dispatcher takes from; a job over the rate waits in the schedule (not an attempt) and
/// goes out when the bucket has a token for it.
@Suite("Send rate", .serialized)
struct SendRateTests {
    // MARK: The bucket

    /// Reservations hand out successive tokens one emission interval apart, and take nothing when
    /// the wait is longer than allowed.
    @Test func theBucketReservesSuccessiveTokens() async throws {
        let redis = RedisClient.running(configuration: try RedisConfiguration(url: try TestEnvironment.redisURL()), logger: .quiet)
        let limiter = RateLimiter(redis: redis)
        let bucket = RateLimiter.Bucket(
            key: "{\(TestEnvironment.uniqueName("sendrate"))}", rate: ConnectionLimits.Rate(count: 2, windowSeconds: 1), name: "send-rate")
        do {
            #expect(try await limiter.reserve(bucket, within: 10_000) == .now)
            #expect(try await limiter.reserve(bucket, within: 10_000) == .now)
            guard case .reserved(let first) = try await limiter.reserve(bucket, within: 10_000),
                case .reserved(let second) = try await limiter.reserve(bucket, within: 10_000)
            else {
                Issue.record("the third and fourth token were not reserved")
                await redis.shutdown()
                return
            }
            let now = Date().millisecondsSince1970
            // 2/1: one token every 500 ms after the burst of two.
            #expect((first - now) > 200 && (first - now) <= 600, "first reserved \(first - now) ms ahead")
            #expect((second - first) >= 490 && (second - first) <= 510, "reservations \(second - first) ms apart")
            // The next token is a second and a half away: not within 100 ms, and nothing is taken.
            guard case .refused(let wait) = try await limiter.reserve(bucket, within: 100) else {
                Issue.record("a token beyond the allowed wait was reserved")
                await redis.shutdown()
                return
            }
            #expect(wait > 1000 && wait <= 1600, "refused with a wait of \(wait) ms")
            guard case .refused(let again) = try await limiter.reserve(bucket, within: 100) else {
                Issue.record("a refusal took a token")
                await redis.shutdown()
                return
            }
            #expect(again <= wait)
        } catch {
            await redis.shutdown()
            throw error
        }
        await redis.shutdown()
    }

    // MARK: Delivery

    /// 20 codes at once on a 5/1 connection, two dispatchers: they reach the provider over about
    /// three seconds (a burst of 5, then one every 200 ms), never much more than burst + rate in
    /// any second, each exactly once, and none is dead-lettered or retried. On a single node and
    /// on the Redis Cluster (the bucket's key routes the script to its slot's master).
    @Test(arguments: [RedisTarget.single, .cluster]) func twoDispatchersShareOneSendRate(redis: RedisTarget) async throws {
        let attempts = FileManager.default.temporaryDirectory.appendingPathComponent("attempts-\(UUID().uuidString).jsonl")
        var options = PasswordlessStack.Options()
        options.redis = redis
        options.dispatchers = 2
        options.twilioArguments = ["--attempts-out", attempts.path]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant(smsOptions: ["--send-rate", "5/1"])
            try await DeliveryTests.requestCodes(stack, clientID: tenant.clientID, count: 20, parallel: 20)
            let delivered = await TestEnvironment.eventually(within: .seconds(30), every: .milliseconds(100)) {
                Set(DeliveryTests.deliveredJobIDs(stack)).count >= 20
            }
            #expect(
                delivered, "\(Set(DeliveryTests.deliveredJobIDs(stack)).count) of 20 delivered:\n\(stack.dispatcher.output.suffix(2000))")

            let log = DeliveryTests.attempts(attempts)
            #expect(log.count == 20 && log.allSatisfy { $0.status == 201 }, "the provider saw \(log.count) requests")
            #expect(Set(log.compactMap(\.job)).count == 20, "a job reached the provider twice")
            let times = log.map(\.t).sorted()
            let span = (times.last ?? 0) - (times.first ?? 0)
            // Within any second: at most the burst (5) and the second's 5 tokens, and two more for
            // promotions that bunched tokens (the schedule is polled every 250 ms, and a loaded
            // machine delays a job past its token, never ahead of it).
            let busiest = times.map { start in times.filter { $0 >= start && $0 < start + 1 }.count }.max() ?? 0
            print("send rate 5/1, two dispatchers (\(redis)): 20 messages over \(span) s, at most \(busiest) in one second")
            #expect(span >= 2.5, "20 messages in \(span) s: faster than 5 per second after a burst of 5")
            #expect(span <= 10, "20 messages took \(span) s at 5 per second")
            #expect(busiest <= 12, "\(busiest) messages within one second")

            let stats = try await DeliveryTests.stats(stack)
            #expect(stats.dead == 0 && stats.scheduled == 0 && stats.pending == 0, "\(stats)")
            var deferred = 0
            var deliveredBy: [Int] = []
            for url in stack.urls(of: "dispatcher") {
                let text = String(decoding: try await HTTPProbe.get(url + "/metrics").body, as: UTF8.self)
                deferred += Self.value(text, "passwordless_deliveries_deferred_total", [#"provider="twilio""#])
                deliveredBy.append(Self.value(text, "passwordless_deliveries_total", [#"provider="twilio""#, #"outcome="delivered""#]))
                #expect(Self.value(text, "passwordless_deliveries_total", [#"outcome="retry""#]) == 0)
            }
            // 15 of the 20 found no token at first; each waited once, for the token reserved for it.
            #expect(deferred >= 15 && deferred <= 20, "\(deferred) deferrals")
            #expect(deliveredBy.count == 2 && deliveredBy.allSatisfy { $0 > 0 }, "delivered per dispatcher: \(deliveredBy)")
        }
    }

    /// The sum of the Prometheus samples of `name` whose labels include every one of `labels`
    /// (whatever their order); 0 when there is none.
    static func value(_ text: String, _ name: String, _ labels: [String]) -> Int {
        text.split(separator: "\n").filter { line in
            line.hasPrefix(name + "{") && labels.allSatisfy { line.split(separator: "}").first?.contains($0) == true }
        }
        .compactMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) }.reduce(0, +)
    }

    // MARK: The CLI

    /// `connection update` changes the send rate, `none` clears it, other flags leave it (and
    /// the credentials) alone; bad values are refused in one line; `show` prints no secret.
    @Test func updateChangesAndClearsTheSendRate() async throws {
        let attempts = FileManager.default.temporaryDirectory.appendingPathComponent("attempts-\(UUID().uuidString).jsonl")
        var options = PasswordlessStack.Options()
        options.twilioArguments = ["--attempts-out", attempts.path]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let before = try await stack.create(["connection", "show", "--tenant", "acme", "sms"])
            #expect(before["send_rate"] == nil)

            let updated = try await stack.create(["connection", "update", "--tenant", "acme", "sms", "--send-rate", "2/1"])
            #expect(updated["send_rate"] as? String == "2/1" && updated["id"] as? String == before["id"] as? String, "\(updated)")
            #expect(Set(updated.keys) == ["id", "name", "strategy", "provider", "send_rate"], "\(updated)")

            // Another flag keeps the send rate and the credentials (the SMS below still authenticates).
            try await stack.create(["connection", "update", "--tenant", "acme", "sms", "--template", "Code for acme: @@password@@"])
            let shown = try await stack.admin(["connection", "show", "--tenant", "acme", "sms"])
            #expect(shown.json["send_rate"] as? String == "2/1" && shown.json["from"] as? String == "+15005550006", "\(shown.output)")
            #expect(shown.json["has_credentials"] as? Bool == true)
            #expect(!shown.output.contains(PasswordlessStack.twilioToken))

            // The dispatcher has not cached the connection yet: 6 codes at 2/1 take about 2 s.
            try await DeliveryTests.requestCodes(stack, clientID: tenant.clientID, count: 6, parallel: 6)
            let limited = await TestEnvironment.eventually(within: .seconds(20), every: .milliseconds(100)) {
                Set(DeliveryTests.deliveredJobIDs(stack)).count >= 6
            }
            #expect(limited, "\(stack.dispatcher.output.suffix(2000))")
            #expect(stack.smsMessages().allSatisfy { $0.Body.hasPrefix("Code for acme: ") })
            let first = DeliveryTests.attempts(attempts).map(\.t).sorted()
            #expect((first.last ?? 0) - (first.first ?? 0) >= 1.5, "6 messages at 2/1 within \((first.last ?? 0) - (first.first ?? 0)) s")

            let cleared = try await stack.create(["connection", "update", "--tenant", "acme", "sms", "--send-rate", "none"])
            #expect(cleared["send_rate"] == nil, "\(cleared)")
            // Dispatchers see the change once their directory cache (10 s) has expired.
            try await Task.sleep(for: .seconds(11))
            try await DeliveryTests.requestCodes(stack, clientID: tenant.clientID, count: 10, parallel: 10, base: 14_155_100_000)
            let unlimited = await TestEnvironment.eventually(within: .seconds(20), every: .milliseconds(100)) {
                Set(DeliveryTests.deliveredJobIDs(stack)).count >= 16
            }
            #expect(unlimited)
            let second = DeliveryTests.attempts(attempts).map(\.t).sorted().suffix(10)
            #expect(
                (second.last ?? 0) - (second.first ?? 0) < 3,
                "10 unlimited (at 2/1: 4 s) messages over \((second.last ?? 0) - (second.first ?? 0)) s")
            try await DeliveryTests.expectSettled(stack)

            // Bad values: one line each, non-zero exit, nothing changed.
            let bad: [([String], String)] = [
                (["connection", "update", "--tenant", "acme", "sms", "--send-rate", "0/1"], "--send-rate takes N/SECONDS"),
                (["connection", "update", "--tenant", "acme", "sms", "--send-rate", "5/0"], "--send-rate takes N/SECONDS"),
                (["connection", "update", "--tenant", "acme", "sms", "--send-rate", "5"], "--send-rate takes N/SECONDS"),
                (["connection", "update", "--tenant", "acme", "sms", "--send-rate", "fast"], "--send-rate takes N/SECONDS"),
                (["connection", "update", "--tenant", "acme", "sms", "--send-rate", "5/1/2"], "--send-rate takes N/SECONDS"),
                (
                    [
                        "connection", "create", "--tenant", "acme", "--name", "slow", "--strategy", "sms", "--provider", "outbox",
                        "--outbox-file", "/tmp/sendrate-outbox.jsonl", "--send-rate", "1/x",
                    ], "--send-rate takes N/SECONDS"
                ),
                (["connection", "update", "--tenant", "acme", "nosuch", "--send-rate", "1/1"], "tenant acme has no connection nosuch"),
                (["connection", "update", "--tenant", "acme", "sms", "--strategy", "email"], "--strategy cannot change"),
                (["connection", "update", "--tenant", "acme", "sms", "--twilio-base-url", "ftp://x"], "--twilio-base-url must be"),
            ]
            for (arguments, message) in bad {
                let result = try await stack.admin(arguments, json: false)
                let lines = result.output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                #expect(result.status != 0 && result.status != nil, "\(arguments.joined(separator: " ")): exit \(result.status ?? -1)")
                #expect(result.output.contains(message) && lines.count == 1, "\(arguments.joined(separator: " ")): \(result.output)")
            }
            let after = try await stack.admin(["connection", "show", "--tenant", "acme", "sms"])
            #expect(after.json["send_rate"] == nil && after.json["api_base_url"] as? String == "http://127.0.0.1:\(stack.twilioPort)")

            // create takes it too.
            let created = try await stack.create([
                "connection", "create", "--tenant", "acme", "--name", "slow", "--strategy", "sms", "--provider", "outbox",
                "--outbox-file", "/tmp/sendrate-outbox.jsonl", "--send-rate", "30/1",
            ])
            #expect(created["send_rate"] as? String == "30/1", "\(created)")
        }
    }
}
