import Foundation
import Testing

/// Several processes of each kind against one PostgreSQL and one Redis, as high-volume tenants
/// deploy them, and the metrics monitoring scrapes from them.
@Suite("Scale-out", .serialized)
struct ScaleOutTests {
    /// Sums a Prometheus counter or gauge over the series whose labels contain `matching`.
    static func sum(_ metric: String, matching: String = "", in text: String) -> Double {
        text.split(separator: "\n").filter { line in
            !line.hasPrefix("#") && (line.hasPrefix(metric + "{") || line.hasPrefix(metric + " "))
                && (matching.isEmpty || line.contains(matching))
        }.compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    @Test func twoOfEachServeTwoThousandLogins() async throws {
        var options = PasswordlessStack.Options()
        options.gateways = 2
        options.tokens = 2
        options.dispatchers = 2
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let gateways = stack.urls(of: "gateway")
            let tokens = stack.urls(of: "token")
            let dispatchers = stack.urls(of: "dispatcher")
            #expect(gateways.count == 2 && tokens.count == 2 && dispatchers.count == 2)
            let total = 2000
            let number: @Sendable (Int) -> String = { index in "+1415600\(String(format: "%04d", index))" }

            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<total {
                    if index >= 32 { try await group.next() }
                    group.addTask {
                        let reply = try await stack.post(
                            "/passwordless/start",
                            json: ["client_id": tenant.clientID, "connection": "sms", "phone_number": number(index)],
                            base: gateways[index % 2])
                        guard reply.status == 200 else { throw TestFailure("start \(index): \(reply.status)") }
                    }
                }
                try await group.waitForAll()
            }
            let arrived = await TestEnvironment.eventually(within: .seconds(60), every: .milliseconds(250)) {
                stack.smsMessages().count >= total
            }
            #expect(arrived, "\(stack.smsMessages().count) of \(total) codes delivered")
            try await Task.sleep(for: .milliseconds(500))
            let messages = stack.smsMessages()
            var codes: [String: String] = [:]
            var perNumber: [String: Int] = [:]
            for message in messages {
                perNumber[message.To, default: 0] += 1
                codes[message.To] = PasswordlessStack.code(in: message.Body)
            }
            #expect(perNumber.count == total && perNumber.values.allSatisfy { $0 == 1 }, "codes were not delivered exactly once each")

            let received = codes
            let failures = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<total {
                    if index >= 32 { _ = try await group.next() }
                    group.addTask {
                        let reply = try await stack.post(
                            "/oauth/token",
                            json: [
                                "grant_type": FlowTests.otpGrant, "client_id": tenant.clientID, "username": number(index),
                                "otp": received[number(index)] ?? "", "realm": "sms", "scope": "openid",
                            ], base: tokens[index % 2])
                        return reply.status == 200 && reply.json?["id_token"] != nil ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(failures == 0, "\(failures) of \(total) logins failed")

            // Monitoring sees what happened, from every process.
            var scraped: [String: String] = [:]
            let metricsURLs = stack.metricsURLs(of: "gateway") + stack.metricsURLs(of: "token") + stack.metricsURLs(of: "dispatcher")
            for (url, metricsURL) in zip(gateways + tokens + dispatchers, metricsURLs) {
                let reply = try await HTTPProbe.get(metricsURL)
                #expect(reply.status == 200)
                scraped[url] = String(decoding: reply.body, as: UTF8.self)
            }
            let gatewayText = gateways.map { scraped[$0]! }.joined(separator: "\n")
            let tokenText = tokens.map { scraped[$0]! }.joined(separator: "\n")
            let dispatcherText = dispatchers.map { scraped[$0]! }.joined(separator: "\n")
            #expect(Self.sum("passwordless_codes_requested_total", matching: #"outcome="queued""#, in: gatewayText) == Double(total))
            #expect(
                Self.sum("passwordless_http_requests_total", matching: #"route="/passwordless/start""#, in: gatewayText) == Double(total))
            #expect(
                Self.sum("passwordless_http_request_duration_seconds_count", matching: #"route="/passwordless/start""#, in: gatewayText)
                    == Double(total))
            #expect(Self.sum("passwordless_verifications_total", matching: #"outcome="verified""#, in: tokenText) == Double(total))
            #expect(Self.sum("passwordless_token_signing_duration_seconds_count", in: tokenText) == Double(total))
            #expect(Self.sum("passwordless_deliveries_total", matching: #"outcome="delivered""#, in: dispatcherText) == Double(total))
            #expect(Self.sum("passwordless_delivery_latency_seconds_count", in: dispatcherText) == Double(total))
            for url in dispatchers {
                #expect(scraped[url]!.contains("passwordless_queue_pending "), "\(url) has no queue gauge")
                #expect(scraped[url]!.contains("passwordless_queue_oldest_pending_age_seconds "))
            }
        }
    }

    @Test func deploymentFilesMatchTheCode() async throws {
        let check = try ManagedProcess(
            URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [
                "python3",
                URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("deploy/check.py").path, "--bin-dir", try TestEnvironment.binDirectory().path,
            ])
        let status = await check.waitForExit(within: .seconds(60))
        #expect(status == 0, "\(check.output)")
        #expect(check.output.contains(" 0 failed"))
    }
}
