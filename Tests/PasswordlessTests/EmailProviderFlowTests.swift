import Foundation
import JobQueue
import Testing

/// The HTTP email providers through the real processes: connections made with
/// `passwordless-admin` and its flags, codes sent by the dispatcher to `fake_email_apis.py`,
/// refusals dead-lettered, throttling retried after the provider's `Retry-After`.
@Suite("Email providers end to end", .serialized)
struct EmailProviderFlowTests {
    static let otpGrant = "http://auth0.com/oauth/grant-type/passwordless/otp"

    /// Makes connection `name` on `api` for the stack's tenant `acme`, pointed at `server`.
    static func connect(_ stack: PasswordlessStack, _ api: FakeEmailAPIs.API, name: String, server: FakeEmailAPIs) async throws {
        for secret in FakeEmailAPIs.secrets { stack.rememberSecret(secret) }
        try await stack.create(
            ["connection", "create", "--tenant", "acme", "--name", name] + server.connectionFlags(api) + PasswordlessStack.unlimited)
    }

    static func start(_ stack: PasswordlessStack, _ tenant: PasswordlessStack.Tenant, connection: String, email: String) async throws {
        let reply = try await stack.post(
            "/passwordless/start", json: ["client_id": tenant.clientID, "connection": connection, "email": email, "send": "code"])
        #expect(reply.status == 200, "\(String(decoding: reply.body, as: UTF8.self))")
    }

    /// A code sent through each provider by the dispatcher arrives with its subject, text and
    /// HTML, and signs the user in; `connection show` names the settings and no secret.
    @Test(arguments: FakeEmailAPIs.API.allCases) func aCodeSentThroughTheProviderSignsIn(api: FakeEmailAPIs.API) async throws {
        let server = try await FakeEmailAPIs()
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await Self.connect(stack, api, name: "mail-\(api.rawValue)", server: server)
            let shown = try await stack.admin(["connection", "show", "--tenant", "acme", "mail-\(api.rawValue)"])
            #expect(shown.json["provider"] as? String == api.rawValue && shown.json["api_base_url"] as? String == server.baseURL)
            for secret in FakeEmailAPIs.secrets { #expect(!shown.output.contains(secret), "show printed a secret") }
            if api == .ses { #expect(shown.json["aws_region"] as? String == FakeEmailAPIs.awsRegion) }
            if api == .mailgun { #expect(shown.json["mailgun_domain"] as? String == FakeEmailAPIs.mailgunDomain) }

            try await Self.start(stack, tenant, connection: "mail-\(api.rawValue)", email: "ada@example.net")
            let arrived = await TestEnvironment.eventually(within: .seconds(15)) { !server.messages().isEmpty }
            let message = try #require(server.messages().first, "nothing arrived:\n\(stack.dispatcher.output.suffix(2000))")
            #expect(arrived && message.api == api.rawValue && message.to == "ada@example.net" && message.from == FakeEmailAPIs.sender)
            #expect(message.subject?.isEmpty == false && message.html?.contains("<html") == true, "\(message)")
            #expect(message.job_id != nil)
            let code = try #require(PasswordlessStack.code(in: message.text ?? ""))
            #expect(message.html?.contains(code) == true)
            stack.rememberSecret(code)
            let token = try await stack.post(
                "/oauth/token",
                json: [
                    "grant_type": Self.otpGrant, "client_id": tenant.clientID, "username": "ada@example.net", "otp": code,
                    "realm": "mail-\(api.rawValue)", "scope": "openid",
                ])
            #expect(token.status == 200, "\(String(decoding: token.body, as: UTF8.self))")
        }
    }

    /// A recipient the provider refuses is dead-lettered after one attempt, with its reason.
    @Test func aRefusedRecipientIsDeadLetteredAtOnce() async throws {
        let server = try await FakeEmailAPIs()
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await Self.connect(stack, .postmark, name: "postmark", server: server)
            try await Self.start(stack, tenant, connection: "postmark", email: "grace@mail.invalid")
            let dead = await TestEnvironment.eventually(within: .seconds(15)) { (try? await DeliveryTests.stats(stack).dead) == 1 }
            #expect(dead, "\(stack.dispatcher.output.suffix(2000))")
            let listed = try await stack.admin(["dead", "list", "--json"], json: false)
            let entry = try #require(try JSONSerialization.jsonObject(with: Data(listed.output.utf8)) as? [String: Any], "\(listed.output)")
            #expect((entry["reason"] as? String)?.contains("Postmark error 406") == true, "\(entry)")
            #expect(entry["attempts"] as? Int == 1)
            try await Task.sleep(for: .seconds(1))
            #expect(server.attempts().count == 1, "a permanent refusal was retried")
        }
    }

    /// A 429 with `Retry-After: 2` is retried no sooner than that, then delivered.
    @Test func throttlingIsRetriedAfterTheProvidersRetryAfter() async throws {
        let server = try await FakeEmailAPIs(arguments: ["--fail-first", "1", "--fail-status", "429", "--retry-after", "2"])
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await Self.connect(stack, .sendgrid, name: "sendgrid", server: server)
            try await Self.start(stack, tenant, connection: "sendgrid", email: "ada@example.net")
            let delivered = await TestEnvironment.eventually(within: .seconds(20)) { server.messages().count == 1 }
            #expect(delivered, "\(stack.dispatcher.output.suffix(2000))")
            let attempts = server.attempts()
            #expect(attempts.map(\.status) == [429, 202], "\(attempts)")
            if attempts.count == 2 {
                #expect(attempts[1].t - attempts[0].t >= 1.9, "retried \(attempts[1].t - attempts[0].t)s after a Retry-After of 2")
                #expect(attempts[0].job != nil && attempts[0].job == attempts[1].job)
            }
        }
    }

    /// The CLI refuses what a provider cannot work with, in one line each.
    @Test func theCLIRefusesIncompleteOrMisdirectedEmailConnections() async throws {
        let server = try await FakeEmailAPIs()
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let create = ["connection", "create", "--tenant", "acme", "--name", "x"]
            let bad: [([String], String)] = [
                (
                    create + ["--strategy", "sms", "--provider", "sendgrid", "--api-key", "k", "--from", "a@acme.example.com"],
                    "the sendgrid provider sends email: use --strategy email"
                ),
                (create + ["--strategy", "email", "--provider", "sendgrid", "--from", "a@acme.example.com"], "sendgrid needs --api-key"),
                (
                    create + ["--strategy", "email", "--provider", "mailgun", "--api-key", "k", "--from", "a@acme.example.com"],
                    "mailgun needs --api-key and --domain"
                ),
                (create + server.connectionFlags(.mailgun) + ["--region", "ap"], "--region must be us or eu"),
                (
                    create + ["--strategy", "email", "--provider", "postmark", "--from", "a@acme.example.com"],
                    "postmark needs --server-token"
                ),
                (
                    create + [
                        "--strategy", "email", "--provider", "ses", "--aws-access-key-id", "AKID", "--aws-secret-access-key", "s",
                        "--from", "a@acme.example.com",
                    ], "ses needs --aws-access-key-id, --aws-secret-access-key and --aws-region"
                ),
                (create + server.connectionFlags(.ses) + ["--aws-region", "Mars"], "--aws-region must be an AWS region"),
                (
                    create + ["--strategy", "email", "--provider", "postmark", "--server-token", "t", "--from", "nobody"],
                    "postmark needs --from with a valid address"
                ),
                (create + server.connectionFlags(.postmark) + ["--api-base-url", "ftp://x"], "--api-base-url must be"),
                (
                    create + server.connectionFlags(.sendgrid) + ["--twilio-base-url", "http://127.0.0.1:9"],
                    "give --api-base-url or its alias --twilio-base-url, not both"
                ),
                (
                    create + ["--strategy", "email", "--provider", "pigeon"],
                    "--provider must be one of twilio, smtp, webhook, outbox, sendgrid"
                ),
            ]
            for (arguments, message) in bad {
                let result = try await stack.admin(arguments, json: false)
                let lines = result.output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                #expect(result.status != 0 && result.status != nil, "\(arguments.joined(separator: " ")): exit \(result.status ?? -1)")
                #expect(result.output.contains(message) && lines.count == 1, "\(arguments.joined(separator: " ")): \(result.output)")
            }
            // update keeps what is not given and checks the whole result.
            try await Self.connect(stack, .mailgun, name: "mg", server: server)
            try await stack.create(["connection", "update", "--tenant", "acme", "mg", "--region", "us"])
            let shown = try await stack.admin(["connection", "show", "--tenant", "acme", "mg"])
            #expect(
                shown.json["mailgun_region"] as? String == "us" && shown.json["mailgun_domain"] as? String == FakeEmailAPIs.mailgunDomain)
            #expect(shown.json["has_credentials"] as? Bool == true)
        }
    }
}
