import Crypto
import Foundation
import Testing

/// Signed event hooks and the recent-deliveries list, end to end: the real gateway, token
/// service and dispatcher, hooks made with `passwordless-admin`, and local receivers that record
/// what was posted. Signatures are checked here with swift-crypto's HMAC directly, and with the
/// README's Python and JavaScript snippets as written there.
@Suite("Hook events", .serialized)
struct HookEventTests {
    static let otpGrant = "http://auth0.com/oauth/grant-type/passwordless/otp"

    /// Whether `header` signs `body` with `secret`, within five minutes of `receivedAt`.
    static func verifies(secret: String, header: String?, body: String, receivedAt: Double) -> Bool {
        guard let header else { return false }
        var parts: [String: String] = [:]
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { parts[pair[0]] = pair[1] }
        }
        guard let t = parts["t"], let timestamp = Double(t), abs(receivedAt - timestamp) <= 300, let v1 = parts["v1"] else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(t).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined() == v1
    }

    /// The README's fenced block in `language` inside its "Events" section.
    static func readmeSnippet(_ language: String) throws -> String {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## Events\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        let block = try #require(
            section.components(separatedBy: "```\(language)\n").dropFirst().first?.components(separatedBy: "\n```").first)
        return block
    }

    /// Runs the README's `language` snippet's `verify` on one request; its printed verdict.
    static func runSnippet(_ language: String, secret: String, header: String, body: String) async throws -> String {
        let bodyFile = FileManager.default.temporaryDirectory.appendingPathComponent("hook-body-\(UUID().uuidString)")
        try Data(body.utf8).write(to: bodyFile)
        defer { try? FileManager.default.removeItem(at: bodyFile) }
        let snippet = try readmeSnippet(language)
        let (interpreter, program) =
            language == "python"
            ? ("python3", snippet + "\nimport sys\nprint(verify(sys.argv[1], sys.argv[2], open(sys.argv[3], 'rb').read()))\n")
            : (
                "node",
                snippet + "\nconst [secret, header, file] = process.argv.slice(-3);\n"
                    + "console.log(verify(secret, header, require('node:fs').readFileSync(file)) ? 'True' : 'False');\n"
            )
        let script = FileManager.default.temporaryDirectory.appendingPathComponent(
            "verify-\(UUID().uuidString).\(language == "python" ? "py" : "js")")
        try Data(program.utf8).write(to: script)
        defer { try? FileManager.default.removeItem(at: script) }
        let process = try ManagedProcess(
            URL(fileURLWithPath: "/usr/bin/env"), arguments: [interpreter, script.path, secret, header, bodyFile.path],
            name: "verify-\(language)")
        guard await process.waitForExit(within: .seconds(20)) == 0 else {
            throw TestFailure("\(language) snippet failed: \(process.output)")
        }
        return process.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `passwordless-admin … --json` that prints an array.
    static func adminArray(_ stack: PasswordlessStack, _ arguments: [String]) async throws -> [[String: Any]] {
        let result = try await stack.admin(arguments + ["--json"], json: false)
        guard result.status == 0, let array = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]] else {
            throw TestFailure("passwordless-admin \(arguments.joined(separator: " ")): \(result.output)")
        }
        return array
    }

    @Test func hooksGetEverySignedEventAndNothingSecret() async throws {
        var options = PasswordlessStack.Options()
        options.dispatcherEnvironment = ["DISPATCHER_MAX_ATTEMPTS": "2", "DISPATCHER_RETRY_CAP": "1"]
        try await PasswordlessStack.with(options) { stack in
            let everything = try await HookReceiver(failFirst: 1)
            let some = try await HookReceiver()
            let brokenProvider = try await HookReceiver(status: 500)
            let tenant = try await stack.makeTenant()
            let allHook = try await stack.create(["hook", "create", "--tenant", "acme", "--url", everything.url, "--events", "*"])
            let someHook = try await stack.create([
                "hook", "create", "--tenant", "acme", "--url", some.url, "--events", "verification.approved,delivery.sent",
            ])
            let secret = try #require(allHook["secret"] as? String)
            stack.rememberSecret(secret)
            stack.rememberSecret(try #require(someHook["secret"] as? String))
            #expect(secret.hasPrefix("whsec_"))
            #expect(allHook["events"] as? [String] == HookEventTypeNames.all)
            #expect(someHook["events"] as? [String] == ["verification.approved", "delivery.sent"])
            try await stack.create(
                [
                    "connection", "create", "--tenant", "acme", "--name", "sms-broken", "--strategy", "sms", "--provider", "webhook",
                    "--webhook-url", brokenProvider.url,
                ]
                    + PasswordlessStack.unlimited)
            try await stack.create(
                [
                    "connection", "create", "--tenant", "acme", "--name", "sms-short", "--strategy", "sms", "--provider", "twilio",
                    "--twilio-account-sid", PasswordlessStack.twilioSID, "--twilio-auth-token", PasswordlessStack.twilioToken,
                    "--from", "+15005550006", "--twilio-base-url", "http://127.0.0.1:\(stack.twilioPort)", "--code-ttl", "2",
                ] + PasswordlessStack.unlimited)

            let (phone, brokenPhone, shortPhone) = ("+14155550123", "+14155550124", "+14155550125")
            func start(_ connection: String, _ number: String) async throws {
                let reply = try await stack.post(
                    "/passwordless/start", json: ["client_id": tenant.clientID, "connection": connection, "phone_number": number])
                #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
            }
            try await start("sms", phone)
            let code = try await stack.smsCode(to: phone)
            let wrong = code == "000000" ? "111111" : "000000"
            let exchange = { (otp: String) in
                try await stack.post(
                    "/oauth/token",
                    json: [
                        "grant_type": Self.otpGrant, "client_id": tenant.clientID, "username": phone, "otp": otp, "realm": "sms",
                        "scope": "openid",
                    ])
            }
            #expect(try await exchange(wrong).status == 403)
            #expect(try await exchange(code).status == 200)
            try await start("sms-broken", brokenPhone)
            try await start("sms-short", shortPhone)
            let shortCode = try await stack.smsCode(to: shortPhone)

            let wanted = Set(HookEventTypeNames.all)
            let complete = await TestEnvironment.eventually(within: .seconds(45), every: .milliseconds(250)) {
                Set(everything.delivered().map(\.type)) == wanted
                    && everything.delivered().filter { $0.type == "delivery.sent" }.count >= 2
            }
            let delivered = everything.delivered()
            #expect(complete, "delivered: \(delivered.map(\.type)); dispatcher log:\n\(stack.dispatcher.output.suffix(3000))")

            // Every request is signed with the hook's secret at its attempt, and says what it carries.
            for request in everything.requests() {
                #expect(
                    Self.verifies(
                        secret: secret, header: request.headers["passwordless-signature"], body: request.body, receivedAt: request.t))
                #expect(request.headers["passwordless-event-id"] == request.eventID && request.eventID.hasPrefix("evt_"))
                #expect(request.headers["passwordless-event-type"] == request.type)
                #expect(request.headers["content-type"] == "application/json")
                #expect(request.headers["user-agent"]?.hasPrefix("Passwordless-Hooks/") == true)
                #expect(request.json["tenant"] as? String != nil && request.json["created_at"] as? String != nil)
                #expect(
                    !Self.verifies(
                        secret: secret, header: request.headers["passwordless-signature"], body: request.body + " ", receivedAt: request.t))
            }
            // No code, no link and no full phone number in any body.
            for request in everything.requests() + some.requests() {
                for secretText in [code, shortCode, phone, brokenPhone, shortPhone, "verify_redirect", "verification_code"] {
                    #expect(!request.body.contains(secretText), "\(request.type) carries \(secretText.prefix(3))…")
                }
            }
            // The first POST was answered 500: the same event, byte for byte, came again.
            let first = try #require(everything.requests().first)
            #expect(first.status == 500)
            #expect(delivered.contains { $0.eventID == first.eventID && $0.body == first.body })

            func event(_ type: String, where match: ([String: Any]) -> Bool = { _ in true }) -> [String: Any]? {
                delivered.first { $0.type == type && match($0.data) }?.data
            }
            let pending = try #require(event("verification.pending") { $0["connection"] as? String == "sms" })
            #expect(pending["recipient"] as? String == "+14•••••••23")
            #expect((pending["user_id"] as? String)?.hasPrefix("sms|") == true)
            #expect(pending["job_id"] as? String != nil && pending["channel"] as? String == "sms")
            let approved = try #require(event("verification.approved"))
            #expect(approved["user_id"] as? String == pending["user_id"] as? String)
            #expect(event("verification.failed")?["reason"] as? String == "wrong")
            let sent = try #require(event("delivery.sent") { $0["job_id"] as? String == pending["job_id"] as? String })
            #expect(sent["provider"] as? String == "twilio" && (sent["provider_message_id"] as? String)?.hasPrefix("SM") == true)
            #expect(sent["attempts"] as? Int == 1)
            let failed = try #require(event("delivery.failed"))
            #expect(failed["connection"] as? String == "sms-broken" && failed["attempts"] as? Int == 1)
            #expect((failed["reason"] as? String)?.contains("500") == true)
            let dead = try #require(event("delivery.dead"))
            #expect(
                dead["connection"] as? String == "sms-broken" && dead["attempts"] as? Int == 2 && dead["reason"] as? String == "exhausted")
            let expired = try #require(event("verification.expired"))
            #expect(expired["connection"] as? String == "sms-short" && expired["recipient"] as? String == "+14•••••••25")
            #expect(delivered.filter { $0.type == "verification.expired" }.count == 1)

            // A hook that subscribes to some events gets only those.
            let someTypes = some.delivered().map(\.type)
            #expect(Set(someTypes) == ["verification.approved", "delivery.sent"], "\(someTypes)")

            // The README's snippets accept a real request, and refuse it altered.
            let sample = try #require(delivered.last)
            let header = try #require(sample.headers["passwordless-signature"])
            for language in ["python", "js"] {
                #expect(try await Self.runSnippet(language, secret: secret, header: header, body: sample.body) == "True")
                #expect(try await Self.runSnippet(language, secret: secret, header: header, body: sample.body + " ") == "False")
                #expect(try await Self.runSnippet(language, secret: secret + "x", header: header, body: sample.body) == "False")
            }

            // Recent deliveries: masked, with outcomes, attempts and the provider's id; never the code.
            // (Dispatchers write the record every 250 ms: the last entries may take that long.)
            var listed: [[String: Any]] = []
            _ = await TestEnvironment.eventually(within: .seconds(5), every: .milliseconds(100)) {
                listed = (try? await Self.adminArray(stack, ["deliveries", "list", "--tenant", "acme"])) ?? []
                return listed.count >= 4
            }
            let sentEntry = try #require(listed.first { $0["job_id"] as? String == pending["job_id"] as? String })
            #expect(sentEntry["recipient"] as? String == "+14•••••••23" && sentEntry["outcome"] as? String == "delivered")
            #expect(sentEntry["provider"] as? String == "twilio" && sentEntry["attempts"] as? Int == 1)
            #expect(sentEntry["provider_message_id"] as? String == sent["provider_message_id"] as? String)
            #expect(sentEntry["connection"] as? String == "sms" && sentEntry["time"] as? String != nil)
            let broken = listed.filter { $0["connection"] as? String == "sms-broken" }
            #expect(broken.map { $0["outcome"] as? String } == ["dead", "retry"])
            #expect(broken.map { $0["attempts"] as? Int } == [2, 1])
            #expect(broken.allSatisfy { $0["recipient"] as? String == "+14•••••••24" && $0["provider"] as? String == "webhook" })
            #expect(listed.count == 4, "\(listed)")
            let times = listed.compactMap { $0["time"] as? String }
            #expect(times == times.sorted(by: >), "newest first")
            #expect(try await Self.adminArray(stack, ["deliveries", "list", "--tenant", "acme", "--limit", "1"]).count == 1)
            let table = try await stack.admin(["deliveries", "list", "--tenant", "acme"], json: false)
            #expect(
                table.status == 0 && table.output.hasPrefix("time\tconnection\trecipient\tprovider\toutcome\tattempts\tprovider_message_id")
            )
            for text in [table.output] + listed.map({ "\($0)" }) {
                for secretText in [code, shortCode, phone, brokenPhone, shortPhone] { #expect(!text.contains(secretText)) }
            }
        }
    }

    /// An event whose hook keeps failing is retried through the queue; once the hook is deleted
    /// (and the services' 10-second cache has let go of it), the next attempt dead-letters it,
    /// where operators see it beside the messages.
    @Test func anEventForADeletedHookIsDeadLettered() async throws {
        var options = PasswordlessStack.Options()
        options.dispatcherEnvironment = ["DISPATCHER_RETRY_CAP": "2", "DISPATCHER_MAX_ATTEMPTS": "100"]
        try await PasswordlessStack.with(options) { stack in
            let failing = try await HookReceiver(status: 503)
            let tenant = try await stack.makeTenant()
            let hook = try await stack.create([
                "hook", "create", "--tenant", "acme", "--url", failing.url, "--events", "verification.pending",
            ])
            let id = try #require(hook["id"] as? String)
            stack.rememberSecret(try #require(hook["secret"] as? String))
            let reply = try await stack.post(
                "/passwordless/start", json: ["client_id": tenant.clientID, "connection": "sms", "phone_number": "+14155550126"])
            #expect(reply.status == 200)
            #expect(await TestEnvironment.eventually(within: .seconds(15)) { failing.requests().count >= 2 }, "the event was not retried")
            let deleted = try await stack.admin(["hook", "delete", "--tenant", "acme", id], json: false)
            #expect(deleted.status == 0)

            var letter: [String: Any]?
            _ = await TestEnvironment.eventually(within: .seconds(40), every: .milliseconds(500)) {
                let dead = try? await stack.admin(["dead", "list"], json: true)
                letter = (dead?.json.isEmpty ?? true) ? nil : dead?.json
                return letter != nil
            }
            let entry = try #require(letter, "no dead letter; dispatcher log:\n\(stack.dispatcher.output.suffix(2000))")
            #expect(entry["connection_id"] as? String == id)
            #expect((entry["last_error"] as? String)?.contains("the hook no longer exists") == true, "\(entry)")
            #expect(failing.requests().allSatisfy { $0.type == "verification.pending" })
            let count = failing.requests().count
            try await Task.sleep(for: .seconds(3))
            #expect(failing.requests().count == count, "posted after the hook was deleted and the event buried")
        }
    }

    @Test func hookCommandsCreateListDeleteAndRefuseBadInput() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let created = try await stack.create([
                "hook", "create", "--tenant", "acme", "--url", "https://hooks.acme.example/in", "--events",
                "delivery.dead, verification.failed",
            ])
            let id = try #require(created["id"] as? String)
            #expect(created["url"] as? String == "https://hooks.acme.example/in")
            #expect(created["events"] as? [String] == ["verification.failed", "delivery.dead"])
            #expect((created["secret"] as? String)?.hasPrefix("whsec_") == true)
            stack.rememberSecret(created["secret"] as! String)

            let listed = try await Self.adminArray(stack, ["hook", "list", "--tenant", "acme"])
            #expect(listed.count == 1 && listed[0]["id"] as? String == id && listed[0]["secret"] == nil)
            #expect(listed[0]["events"] as? [String] == ["verification.failed", "delivery.dead"])
            let table = try await stack.admin(["hook", "list", "--tenant", "acme"], json: false)
            #expect(table.output.contains(id) && !table.output.contains("whsec_"))

            for (arguments, message) in [
                (["--url", "ftp://hooks.acme.example", "--events", "*"], "--url must be an absolute http or https URL"),
                (["--url", "hooks.acme.example", "--events", "*"], "--url must be an absolute http or https URL"),
                (["--url", "https://hooks.acme.example", "--events", "delivery.sent,delivery.lost"], "unknown event type delivery.lost"),
                (["--url", "https://hooks.acme.example", "--events", ","], "--events names no event type"),
            ] {
                let refused = try await stack.admin(["hook", "create", "--tenant", "acme"] + arguments)
                #expect(refused.status != 0 && refused.output.contains(message), "\(refused.output)")
            }
            let noTenant = try await stack.admin(["hook", "list", "--tenant", "nobody"], json: false)
            #expect(noTenant.status != 0 && noTenant.output.contains("no tenant named nobody"))
            let notAnID = try await stack.admin(["hook", "delete", "--tenant", "acme", "not-a-uuid"], json: false)
            #expect(notAnID.status != 0 && notAnID.output.contains("not a hook id"))
            let unknown = try await stack.admin(["hook", "delete", "--tenant", "acme", UUID().uuidString], json: false)
            #expect(unknown.status != 0 && unknown.output.contains("the tenant has no hook"))
            let badLimit = try await stack.admin(["deliveries", "list", "--tenant", "acme", "--limit", "0"], json: false)
            #expect(badLimit.status != 0 && badLimit.output.contains("--limit must be 1 to 1000"))

            let deleted = try await stack.admin(["hook", "delete", "--tenant", "acme", id], json: false)
            #expect(deleted.status == 0 && deleted.output.contains("deleted \(id)"))
            #expect(try await Self.adminArray(stack, ["hook", "list", "--tenant", "acme"]).isEmpty)
            #expect(try await Self.adminArray(stack, ["deliveries", "list", "--tenant", "acme"]).isEmpty)
        }
    }
}

/// The seven event names, in the order `hook create` prints them.
enum HookEventTypeNames {
    static let all = [
        "verification.pending", "verification.approved", "verification.failed", "verification.expired", "delivery.sent",
        "delivery.failed", "delivery.dead",
    ]
}
