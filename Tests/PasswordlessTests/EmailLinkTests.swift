import Foundation
import JobQueue
import PasswordlessCore
import PostgresNIO
import RedisClient
import Testing

/// Sign-in links by email, end to end from the queue: the real dispatcher renders jobs that
/// carry a sealed link and a real SMTP server receives them. The jobs are queued as the gateway
/// queues them (``SendJob/make(code:link:box:tenantID:connectionID:clientID:applicationName:recipient:expiresAt:language:now:)``),
/// so these tests do not depend on the gateway's link endpoint.
@Suite("Email links", .serialized)
struct EmailLinkTests {
    static let hostileName = #"<b>&"x'</b>"#
    static let escapedName = "&lt;b&gt;&amp;&quot;x&#39;&lt;/b&gt;"

    /// Queues a link job for `recipient` on the connection `name`, and returns its code and link.
    static func sendLink(
        _ stack: PasswordlessStack, tenant: PasswordlessStack.Tenant, connection name: String, to recipient: String,
        applicationName: String = hostileName
    ) async throws -> (code: String, link: String) {
        let (tenantID, connectionID) = try await stack.query { client in
            let rows = try await client.query("SELECT tenant_id, id FROM connections WHERE name = \(name)").decode((UUID, UUID).self)
            for try await ids in rows { return ids }
            throw TestFailure("no connection named \(name)")
        }
        let code = String(Int.random(in: 100_000...999_999))
        let email = recipient.replacingOccurrences(of: "@", with: "%40")
        let link =
            "https://\(tenant.domain)/passwordless/verify_redirect?client_id=\(tenant.clientID)&connection=\(name)&email=\(email)"
            + "&verification_code=\(code)&response_type=code&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&state=s%27t"
        stack.rememberSecret(link)
        let job = SendJob.make(
            code: code, link: link, box: SecretBox(masterKey: try MasterKey(base64: stack.masterKey), purpose: .jobSeal),
            tenantID: tenantID, connectionID: connectionID, clientID: tenant.clientID, applicationName: applicationName,
            recipient: recipient, expiresAt: Date().addingTimeInterval(600))
        let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
        _ = try await redis.send(DeliveryQueue.enqueue(job, layout: QueueLayout()))
        await redis.shutdown()
        return (code, link)
    }

    /// The first email to `address`, parsed.
    static func mail(_ stack: PasswordlessStack, to address: String) async throws -> MailParts {
        _ = await TestEnvironment.eventually(within: .seconds(15)) { stack.mails().contains { $0.rcpt_tos.contains(address) } }
        guard let mail = stack.mails().first(where: { $0.rcpt_tos.contains(address) }) else {
            throw TestFailure("no email to \(address) arrived; dispatcher log:\n\(stack.dispatcher.output)")
        }
        return MailParts(mail.data)
    }

    @Test func aLinkArrivesAsMultipartAlternativeWithTheLinkAndTheCodeInBothParts() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let (code, link) = try await Self.sendLink(stack, tenant: tenant, connection: "email", to: "ada@example.com")
            let mail = try await Self.mail(stack, to: "ada@example.com")
            #expect(mail.mediaType == "multipart/alternative", "\(mail.headers)")
            #expect(mail.parts.map { $0.headers["content-type"] } == ["text/plain; charset=UTF-8", "text/html; charset=UTF-8"])
            #expect(mail.parts.allSatisfy { $0.headers["content-transfer-encoding"] == "base64" })
            #expect(mail.decodedSubject == "Sign in to \(Self.hostileName)")

            let text = mail.decodedBody
            #expect(text.components(separatedBy: "\r\n").contains(link), "the link is not on a line of its own:\n\(text)")
            #expect(text.contains("Or type this code instead: \(code)"))
            #expect(text.contains("Sign in to \(Self.hostileName)"))

            let html = try #require(mail.html)
            let escapedLink = link.replacingOccurrences(of: "&", with: "&amp;")
            #expect(html.contains("<a href=\"\(escapedLink)\""), "\(html)")
            #expect(html.contains(">\(code)</p>") && html.contains(#"<html lang="en">"#))
            #expect(html.contains("<h1 ") && html.contains(">\(Self.escapedName)</h1>"))
            #expect(html.contains(">Sign in to \(Self.escapedName)</a>"))
            #expect(!html.contains(Self.hostileName) && !html.contains("<b>"))
            #expect(!stack.serviceLogs.contains("verify_redirect"), "the link reached a log")
        }
    }

    @Test func customTemplatesPlaceTheLinkOrHaveItAdded() async throws {
        let outbox = FileManager.default.temporaryDirectory.appendingPathComponent("outbox-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: outbox) }
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let smtp = [
                "connection", "create", "--tenant", "acme", "--strategy", "email", "--provider", "smtp", "--smtp-url",
                "smtp://127.0.0.1:\(stack.smtpPort)", "--from", "no-reply@acme.example.com",
            ]
            try await stack.create(
                smtp + [
                    "--name", "email-html", "--template", "Code {{code}} for {{application.name}}: {{link}}", "--html-template",
                    #"<html><body><h1>@@application.name@@</h1><a href="@@link@@">in</a> <code>@@password@@</code></body></html>"#,
                ])
            try await stack.create(
                smtp + ["--name", "email-text", "--template", "Hi @@application.name@@\nuse @@password@@\n\nor @@link@@"])
            try await stack.create(smtp + ["--name", "email-bare", "--template", "Your code is @@password@@."])
            try await stack.create([
                "connection", "create", "--tenant", "acme", "--strategy", "email", "--provider", "outbox", "--name", "email-outbox",
                "--outbox-file", outbox.path,
            ])

            let withHTML = try await Self.sendLink(stack, tenant: tenant, connection: "email-html", to: "html@example.com")
            let mail = try await Self.mail(stack, to: "html@example.com")
            #expect(mail.decodedBody == "Code \(withHTML.code) for \(Self.hostileName): \(withHTML.link)")
            let escapedLink = withHTML.link.replacingOccurrences(of: "&", with: "&amp;")
            #expect(
                mail.html
                    == "<html><body><h1>\(Self.escapedName)</h1><a href=\"\(escapedLink)\">in</a> <code>\(withHTML.code)</code></body></html>"
            )

            let textOnly = try await Self.sendLink(stack, tenant: tenant, connection: "email-text", to: "text@example.com")
            let textMail = try await Self.mail(stack, to: "text@example.com")
            #expect(textMail.decodedBody == "Hi \(Self.hostileName)\r\nuse \(textOnly.code)\r\n\r\nor \(textOnly.link)")
            let textHTML = try #require(textMail.html)
            let textLink = textOnly.link.replacingOccurrences(of: "&", with: "&amp;")
            #expect(textHTML.contains("Hi \(Self.escapedName)<br>\r\nuse \(textOnly.code)</p>"), "\(textHTML)")
            #expect(textHTML.contains("or <a href=\"\(textLink)\" style=\"color:#1d4ed8;\">\(textLink)</a></p>"), "\(textHTML)")

            let bare = try await Self.sendLink(stack, tenant: tenant, connection: "email-bare", to: "bare@example.com")
            let bareMail = try await Self.mail(stack, to: "bare@example.com")
            #expect(bareMail.decodedBody == "Your code is \(bare.code).\r\n\r\n\(bare.link)\r\n")
            let bareLink = bare.link.replacingOccurrences(of: "&", with: "&amp;")
            #expect(
                bareMail.html?.contains("<a href=\"\(bareLink)\"") == true
                    && bareMail.html?.contains(">Sign in to \(Self.escapedName)</a>") == true)

            let outboxed = try await Self.sendLink(stack, tenant: tenant, connection: "email-outbox", to: "outbox@example.com")
            _ = await TestEnvironment.eventually(within: .seconds(15)) { (try? Data(contentsOf: outbox))?.isEmpty == false }
            let line = try JSONSerialization.jsonObject(with: try Data(contentsOf: outbox)) as? [String: String]
            #expect(line?["body"]?.contains("\n\(outboxed.link)\n") == true, "\(line ?? [:])")
            #expect(line?["html"]?.contains("<a href=\"\(outboxed.link.replacingOccurrences(of: "&", with: "&amp;"))\"") == true)
            #expect(line?["subject"] == "Sign in to \(Self.hostileName)")

            for (arguments, message) in [
                (smtp + ["--name", "bad", "--html-template", "<p>no code</p>"], "--html-template must contain @@password@@"),
                (
                    [
                        "connection", "create", "--tenant", "acme", "--strategy", "sms", "--provider", "outbox", "--outbox-file",
                        outbox.path,
                        "--name", "sms-html", "--html-template", "<p>{{code}}</p>",
                    ], "--html-template is for email connections"
                ),
            ] {
                let refused = try await stack.admin(arguments, json: false)
                #expect(refused.status != 0 && refused.output.contains(message), "\(refused.output)")
            }
            #expect(!stack.serviceLogs.contains("verify_redirect"), "a link reached a log")
        }
    }

    @Test func aCodeAloneCarriesNoLink() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let client = try await stack.create(["client", "create", "--tenant", "acme", "--name", Self.hostileName])
            let clientID = try #require(client["client_id"] as? String)
            let started = try await stack.post(
                "/passwordless/start", json: ["client_id": clientID, "connection": "email", "email": "code@example.com", "send": "code"])
            #expect(started.status == 200)
            let code = try await stack.emailCode(to: "code@example.com")
            let mail = try await Self.mail(stack, to: "code@example.com")
            #expect(mail.decodedSubject == "Your verification code")
            #expect(mail.decodedBody.contains(code) && !mail.decodedBody.contains("http"), "\(mail.decodedBody)")
            let html = try #require(mail.html)
            #expect(html.contains(">\(code)</p>") && html.contains(Self.escapedName) && !html.contains(Self.hostileName))
            #expect(!html.contains("href") && !html.contains("http") && !html.contains("Sign in"), "\(html)")
        }
    }
}
