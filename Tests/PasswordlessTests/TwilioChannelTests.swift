import Foundation
import JobQueue
import RedisClient
import Testing

/// WhatsApp and voice through the fake Twilio, end to end: the connection made with the admin
/// CLI, the code asked for through the gateway, delivered by the dispatcher, and used to sign in.
@Suite("Twilio channels", .serialized)
struct TwilioChannelTests {
    static let otpGrant = "http://auth0.com/oauth/grant-type/passwordless/otp"

    /// A Twilio connection of `channel` on the stack's fake Twilio.
    static func createConnection(_ stack: PasswordlessStack, name: String, channel: String, extra: [String] = []) async throws {
        try await stack.create(
            [
                "connection", "create", "--tenant", "acme", "--name", name, "--strategy", "sms", "--provider", "twilio",
                "--channel", channel, "--twilio-account-sid", PasswordlessStack.twilioSID, "--twilio-auth-token",
                PasswordlessStack.twilioToken, "--from", "+15005550006", "--twilio-base-url", "http://127.0.0.1:\(stack.twilioPort)",
            ] + PasswordlessStack.unlimited + extra)
    }

    static func start(_ stack: PasswordlessStack, _ tenant: PasswordlessStack.Tenant, connection: String, number: String) async throws {
        let reply = try await stack.post(
            "/passwordless/start", json: ["client_id": tenant.clientID, "connection": connection, "phone_number": number])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
    }

    static func signIn(
        _ stack: PasswordlessStack, _ tenant: PasswordlessStack.Tenant, realm: String, number: String, code: String
    ) async throws -> HTTPProbe.Reply {
        try await stack.post(
            "/oauth/token",
            json: [
                "grant_type": otpGrant, "client_id": tenant.clientID, "username": number, "otp": code, "realm": realm, "scope": "openid",
            ])
    }

    /// A call the fake Twilio accepted.
    struct Call: Decodable {
        var To: String
        var From: String
        var Twiml: String
    }

    static func calls(_ stack: PasswordlessStack) -> [Call] {
        let text = (try? String(contentsOf: stack.twilioLog, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Call.self, from: Data($0.utf8)) }
    }

    @Test func aWhatsAppCodeArrivesFromAndToWhatsAppAddresses() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await Self.createConnection(stack, name: "whatsapp", channel: "whatsapp")
            let shown = try await stack.admin(["connection", "show", "--tenant", "acme", "whatsapp"])
            #expect(shown.json["channel"] as? String == "whatsapp")

            try await Self.start(stack, tenant, connection: "whatsapp", number: "+14155550123")
            let code = try await stack.smsCode(to: "whatsapp:+14155550123")
            let message = try #require(stack.smsMessages().first { $0.To == "whatsapp:+14155550123" })
            #expect(message.From == "whatsapp:+15005550006")
            #expect(message.Body == "Your verification code is: \(code)")

            let tokens = try await Self.signIn(stack, tenant, realm: "whatsapp", number: "+14155550123", code: code)
            #expect(tokens.status == 200, "\(String(decoding: tokens.body, as: UTF8.self))")
        }
    }

    /// The call's TwiML reads the message twice, the code digit by digit, XML-escaped, with the
    /// language attribute (the default English here: the message has no language of its own);
    /// the digits heard sign the person in.
    @Test func aVoiceCallReadsTheCodeDigitByDigit() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await Self.createConnection(
                stack, name: "voice", channel: "voice", extra: ["--template", "R&D <login> code: @@password@@"])
            try await Self.start(stack, tenant, connection: "voice", number: "+14155550124")
            let arrived = await TestEnvironment.eventually(within: .seconds(15)) { !Self.calls(stack).isEmpty }
            let call = try #require(arrived ? Self.calls(stack).first : nil, "no call; dispatcher:\n\(stack.dispatcher.output)")
            #expect(call.To == "+14155550124" && call.From == "+15005550006")
            #expect(stack.smsMessages().isEmpty, "a voice connection sent a text message")

            let say = try #require(call.Twiml.firstMatch(of: #/<Say language="en-US">R&amp;D &lt;login&gt; code: ((?:\d, ){5}\d)</Say>/#))
            #expect(call.Twiml.hasPrefix("<Response>") && call.Twiml.hasSuffix("</Response>"))
            #expect(call.Twiml.components(separatedBy: String(say.0)).count == 3, "the message is said twice: \(call.Twiml)")
            #expect(call.Twiml.contains("<Pause length=\"1\"/>"))
            let code = String(say.1).replacingOccurrences(of: ", ", with: "")
            stack.rememberSecret(code)

            let tokens = try await Self.signIn(stack, tenant, realm: "voice", number: "+14155550124", code: code)
            #expect(tokens.status == 200, "\(String(decoding: tokens.body, as: UTF8.self))")
        }
    }

    /// Twilio refuses a number it cannot call: the job is dead-lettered with Twilio's reason at
    /// once, never retried.
    @Test func aBadNumberIsAPermanentFailure() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await Self.createConnection(stack, name: "voice", channel: "voice")
            try await Self.start(stack, tenant, connection: "voice", number: "+15005550001")
            let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
            defer { Task { await redis.shutdown() } }
            let dead = await TestEnvironment.eventually(within: .seconds(10)) {
                ((try? await QueueStats.read(from: redis, layout: QueueLayout()).dead) ?? 0) == 1
            }
            #expect(dead, "the refused call is not in dead letters; dispatcher:\n\(stack.dispatcher.output)")
            let entry = try await DeadLetters(redis: redis, layout: QueueLayout()).list().first
            #expect(entry?.letter.reason.contains("21211") == true, "\(String(describing: entry?.letter))")
            #expect(entry?.letter.attempts == 1)
            #expect(try await QueueStats.read(from: redis, layout: QueueLayout()).scheduled == 0)
            #expect(Self.calls(stack).isEmpty)
        }
    }

    /// `--channel` is Twilio's and SMS's; WhatsApp and voice need a sender number.
    @Test func theCLIRefusesChannelsThatCannotWork() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let base = [
                "connection", "create", "--tenant", "acme", "--name", "wa", "--strategy", "sms", "--provider", "twilio",
                "--twilio-account-sid", PasswordlessStack.twilioSID, "--twilio-auth-token", PasswordlessStack.twilioToken,
            ]
            let refusals: [([String], String)] = [
                (base + ["--from", "+15005550006", "--channel", "fax"], "--channel must be sms, whatsapp or voice"),
                (
                    base + ["--messaging-service-sid", "MG1", "--channel", "whatsapp"],
                    "--channel whatsapp needs --from with an E.164 number"
                ),
                (base + ["--from", "Acme", "--channel", "voice"], "--channel voice needs --from with an E.164 number"),
                (
                    [
                        "connection", "create", "--tenant", "acme", "--name", "mail", "--strategy", "email", "--provider", "smtp",
                        "--smtp-url", "smtp://127.0.0.1:\(stack.smtpPort)", "--from", "a@acme.example.com", "--channel", "voice",
                    ], "--channel is for the twilio provider"
                ),
            ]
            for (arguments, message) in refusals {
                let result = try await stack.admin(arguments, json: false)
                #expect(result.status != 0 && result.output.contains(message), "\(arguments): \(result.output)")
                let lines = result.output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                #expect(lines.count == 1, "not one line: \(result.output)")
            }
            // whatsapp: prefixes on --from are accepted and stored once.
            try await stack.create(base + ["--from", "whatsapp:+15005550006", "--channel", "whatsapp"])
            let shown = try await stack.admin(["connection", "show", "--tenant", "acme", "wa"])
            #expect(shown.json["from"] as? String == "+15005550006" && shown.json["channel"] as? String == "whatsapp")
            // Back to SMS.
            try await stack.create(["connection", "update", "--tenant", "acme", "wa", "--channel", "sms"])
            #expect(try await stack.admin(["connection", "show", "--tenant", "acme", "wa"]).json["channel"] == nil)
        }
    }
}
