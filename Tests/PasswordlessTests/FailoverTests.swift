import Foundation
import Testing

/// Failover, end to end: a connection whose Twilio keeps answering 503 and a fallback on a second
/// fake Twilio; the real dispatcher's circuit breaker opens and the codes arrive through the
/// fallback, while the person signs in against the original connection.
@Suite("Failover", .serialized)
struct FailoverTests {
    static let backupSender = "+15005550009"

    /// A second fake Twilio (another account, another sender) that answers at once.
    static func startBackupTwilio() async throws -> (process: ManagedProcess, port: Int, log: URL) {
        let port = try TestEnvironment.freePort()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("twilio-backup-\(UUID().uuidString).jsonl")
        let process = try ManagedProcess.python(
            script: "fake_twilio.py",
            arguments: [
                "--port", String(port), "--out", log.path, "--account-sid", PasswordlessStack.twilioSID, "--auth-token",
                PasswordlessStack.twilioToken,
            ])
        try await process.waitForOutput("READY")
        return (process, port, log)
    }

    static func messages(_ log: URL) -> [PasswordlessStack.SMS] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(PasswordlessStack.SMS.self, from: Data($0.utf8)) }
    }

    /// The primary fails until the test removes its "outage" file; the breaker's cool-down is
    /// 3 s, so the recovery is seen soon after.
    @Test func codesArriveThroughTheFallbackWithinSecondsWhileTheProviderKeepsFailing() async throws {
        let backup = try await Self.startBackupTwilio()
        defer { backup.process.signal(SIGKILL) }
        let outage = FileManager.default.temporaryDirectory.appendingPathComponent("twilio-outage-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: outage.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outage) }
        var options = PasswordlessStack.Options()
        options.twilioArguments = ["--fail-while-file", outage.path]
        options.dispatcherEnvironment = ["DISPATCHER_BREAKER_COOLDOWN": "3"]
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            try await stack.create(
                [
                    "connection", "create", "--tenant", "acme", "--name", "sms-backup", "--strategy", "sms", "--provider", "twilio",
                    "--twilio-account-sid", PasswordlessStack.twilioSID, "--twilio-auth-token", PasswordlessStack.twilioToken,
                    "--from", Self.backupSender, "--twilio-base-url", "http://127.0.0.1:\(backup.port)", "--template",
                    "Backup code: @@password@@",
                ] + PasswordlessStack.unlimited)
            try await stack.create(["connection", "update", "--tenant", "acme", "sms", "--fallback-connection", "sms-backup"])
            let shown = try await stack.admin(["connection", "show", "--tenant", "acme", "sms"])
            #expect(shown.json["fallback_connection"] as? String == "sms-backup")

            // Six people ask at once: their first attempts fail (503) and open the breaker after
            // five; the retries, a second or two later, go to the fallback.
            let numbers = (0..<6).map { "+1415555\(String(format: "%04d", 200 + $0))" }
            let started = Date()
            try await DeliveryTests.requestCodes(stack, clientID: tenant.clientID, count: numbers.count, base: 14_155_550_200)
            let arrived = await TestEnvironment.eventually(within: .seconds(20), every: .milliseconds(100)) {
                Set(Self.messages(backup.log).map(\.To)).count == numbers.count
            }
            let elapsed = Date().timeIntervalSince(started)
            #expect(arrived, "only \(Self.messages(backup.log).count) codes through the fallback; dispatcher:\n\(stack.dispatcher.output)")
            #expect(elapsed < 10, "the codes took \(elapsed) s to arrive through the fallback")
            print("failover: \(numbers.count) codes through the fallback in \(String(format: "%.1f", elapsed)) s")
            #expect(stack.smsMessages().isEmpty, "the failing provider accepted a message")

            // The fallback's sender and template; the person signs in against the original
            // connection, to which the code stays bound.
            let message = try #require(Self.messages(backup.log).first { $0.To == numbers[0] })
            #expect(message.From == Self.backupSender)
            let code = try #require(PasswordlessStack.code(in: message.Body))
            stack.rememberSecret(code)
            #expect(message.Body == "Backup code: \(code)")
            let wrongRealm = try await TwilioChannelTests.signIn(stack, tenant, realm: "sms-backup", number: numbers[0], code: code)
            #expect(wrongRealm.status == 403, "the code is bound to the fallback connection too")
            let tokens = try await TwilioChannelTests.signIn(stack, tenant, realm: "sms", number: numbers[0], code: code)
            #expect(tokens.status == 200, "\(String(decoding: tokens.body, as: UTF8.self))")

            // The metrics show the open breaker and the jobs failed over; the log says which
            // connection's breaker opened, and names no recipient.
            let metrics = String(decoding: try await HTTPProbe.get(stack.metricsURL("passwordless-dispatcher")).body, as: UTF8.self)
            #expect(ScaleOutTests.sum("passwordless_breaker_state", matching: "provider=\"twilio\"", in: metrics) == 2, "\(metrics)")
            #expect(ScaleOutTests.sum("passwordless_deliveries_failed_over_total", matching: "provider=\"twilio\"", in: metrics) >= 6)
            let log = stack.dispatcher.output
            let connectionID = try #require(shown.json["id"] as? String)
            #expect(log.contains("circuit breaker opened") && log.contains(connectionID), "\(log)")
            for number in numbers { #expect(!log.contains(number), "a recipient reached the log") }
            try await DeliveryTests.expectSettled(stack)

            // The provider recovers: after the cool-down a probe goes to it, succeeds and closes
            // the breaker, and codes go through the connection's own provider again.
            try FileManager.default.removeItem(at: outage)
            try await Task.sleep(for: .seconds(3.5))
            let recovered = "+14155550299"
            try await TwilioChannelTests.start(stack, tenant, connection: "sms", number: recovered)
            let ownCode = try await stack.smsCode(to: recovered)
            #expect(stack.smsMessages().first { $0.To == recovered }?.From == "+15005550006")
            let closed = await TestEnvironment.eventually(within: .seconds(5)) {
                let page = try? await HTTPProbe.get(stack.metricsURL("passwordless-dispatcher"))
                let text = page.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
                return ScaleOutTests.sum("passwordless_breaker_state", matching: "provider=\"twilio\"", in: text) == 0
            }
            #expect(closed, "the breaker did not close after the provider recovered")
            #expect(stack.dispatcher.output.contains("circuit breaker closed"))
            let tokens2 = try await TwilioChannelTests.signIn(stack, tenant, realm: "sms", number: recovered, code: ownCode)
            #expect(tokens2.status == 200)
        }
    }

    /// `--fallback-connection` names a connection of the same tenant and strategy that is not the
    /// connection itself and does not lead back to it; `--no-fallback-connection` and
    /// `--fallback-connection none` remove it.
    @Test func theCLIRefusesFallbacksThatCannotWork() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            _ = try await stack.makeTenant(name: "globex")
            for name in ["sms-b", "sms-c"] {
                try await stack.create([
                    "connection", "create", "--tenant", "acme", "--name", name, "--strategy", "sms", "--provider", "outbox",
                    "--outbox-file", "/tmp/\(name)-\(UUID().uuidString).jsonl",
                ])
            }
            try await stack.create(["connection", "update", "--tenant", "acme", "sms", "--fallback-connection", "sms-b"])
            try await stack.create(["connection", "update", "--tenant", "acme", "sms-b", "--fallback-connection", "sms-c"])
            let refusals: [([String], String)] = [
                (
                    ["connection", "update", "--tenant", "acme", "sms", "--fallback-connection", "email"],
                    "--fallback-connection email is email"
                ),
                (["connection", "update", "--tenant", "acme", "sms", "--fallback-connection", "sms"], "cannot be the connection itself"),
                (["connection", "update", "--tenant", "acme", "sms-c", "--fallback-connection", "sms"], "would make a cycle"),
                (
                    ["connection", "update", "--tenant", "globex", "sms", "--fallback-connection", "sms-b"],
                    "tenant globex has no connection sms-b"
                ),
                (
                    ["connection", "update", "--tenant", "acme", "sms", "--fallback-connection", "sms-b", "--no-fallback-connection"],
                    "not both"
                ),
                (
                    [
                        "connection", "create", "--tenant", "acme", "--name", "sms-d", "--strategy", "sms", "--provider", "outbox",
                        "--outbox-file", "/tmp/sms-d.jsonl", "--fallback-connection", "email",
                    ], "--fallback-connection email is email"
                ),
            ]
            for (arguments, message) in refusals {
                let result = try await stack.admin(arguments, json: false)
                let lines = result.output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                #expect(result.status != 0 && result.status != nil, "\(arguments.joined(separator: " ")): exit \(result.status ?? -1)")
                #expect(result.output.contains(message) && lines.count == 1, "\(arguments.joined(separator: " ")): \(result.output)")
            }
            #expect(
                try await stack.admin(["connection", "show", "--tenant", "acme", "sms-d"]).status != 0,
                "a refused create stored the connection")
            let show = { (name: String) async throws -> [String: Any] in
                try await stack.admin(["connection", "show", "--tenant", "acme", name]).json
            }
            #expect(try await show("sms")["fallback_connection"] as? String == "sms-b")
            #expect(try await show("sms-c")["fallback_connection"] == nil)

            try await stack.create(["connection", "update", "--tenant", "acme", "sms", "--no-fallback-connection"])
            #expect(try await show("sms")["fallback_connection"] == nil)
            try await stack.create(["connection", "update", "--tenant", "acme", "sms-b", "--fallback-connection", "none"])
            #expect(try await show("sms-b")["fallback_connection"] == nil)
            // Other updates leave the fallback as it is.
            try await stack.create(["connection", "update", "--tenant", "acme", "sms-c", "--fallback-connection", "sms-b"])
            try await stack.create(["connection", "update", "--tenant", "acme", "sms-c", "--code-length", "8"])
            #expect(try await show("sms-c")["fallback_connection"] as? String == "sms-b")

            // Deleting the fallback leaves the connection without one (ON DELETE SET NULL).
            try await stack.query { client in _ = try await client.query("DELETE FROM connections WHERE name = 'sms-b'") }
            #expect(try await show("sms-c")["fallback_connection"] == nil)
        }
    }
}
