import DeliveryTransport
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import Testing

@Suite("libcurl transport")
struct CurlTransportTests {
    /// What the local HTTP server saw.
    struct Seen: Sendable {
        var path: String
        var authorization: String?
        var contentType: String?
        var idempotencyToken: String?
        var body: String
    }

    /// Runs a local HTTP server (a real one, on a real port) that answers like a provider API.
    func withProviderServer(_ test: @Sendable (Int, NIOLockedValueBox<[Seen]>) async throws -> Void) async throws {
        let seen = NIOLockedValueBox<[Seen]>([])
        let router = Router()
        router.post("/2010-04-01/Accounts/:sid/Messages.json") { request, context in
            let body = try await request.body.collect(upTo: 1 << 16)
            seen.withLockedValue {
                $0.append(
                    Seen(
                        path: request.uri.path, authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                        idempotencyToken: request.headers[HTTPField.Name("I-Twilio-Idempotency-Token")!], body: String(buffer: body)))
            }
            return Response(
                status: .created, headers: [.contentType: "application/json", .retryAfter: "7"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"sid":"SM123","status":"queued"}"#)))
        }
        router.post("/slow") { _, _ in
            try await Task.sleep(for: .seconds(2))
            return Response(status: .ok)
        }
        let port = try TestEnvironment.freePort()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: .quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            guard await TestEnvironment.eventually(within: .seconds(10), { RedisServerProcess.accepts(port: port) }) else {
                throw TestFailure("the provider stand-in did not start")
            }
            defer { group.cancelAll() }
            try await test(port, seen)
        }
    }

    @Test func postsFormWithBasicAuthAndHeaders() async throws {
        try await withProviderServer { port, seen in
            let transport = CurlTransport.running(concurrency: 2)
            let response = try await transport.perform(
                OutgoingHTTPRequest(
                    url: "http://127.0.0.1:\(port)/2010-04-01/Accounts/AC123/Messages.json",
                    headers: [("Content-Type", "application/x-www-form-urlencoded"), ("I-Twilio-Idempotency-Token", "job-1")],
                    body: Array("To=%2B14251112222&Body=Your+code".utf8),
                    basicAuth: ("AC123", "s3cret-token")))
            #expect(response.status == 201)
            #expect(response.bodyText == #"{"sid":"SM123","status":"queued"}"#)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.retryAfterSeconds == 7)
            let request = try #require(seen.withLockedValue { $0.first })
            #expect(request.path == "/2010-04-01/Accounts/AC123/Messages.json")
            #expect(request.authorization == "Basic " + Data("AC123:s3cret-token".utf8).base64EncodedString())
            #expect(request.contentType == "application/x-www-form-urlencoded")
            #expect(request.idempotencyToken == "job-1")
            #expect(request.body == "To=%2B14251112222&Body=Your+code")
            await transport.shutdown()
        }
    }

    /// On one libcurl thread, and dealt round robin to three.
    @Test(arguments: [1, 3]) func manyRequestsInFlightAtOnce(threads: Int) async throws {
        try await withProviderServer { port, seen in
            let transport = CurlTransport.running(concurrency: 16, threads: threads)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        try await transport.perform(
                            OutgoingHTTPRequest(
                                url: "http://127.0.0.1:\(port)/2010-04-01/Accounts/AC1/Messages.json", body: Array("n=\(index)".utf8))
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 100 && statuses.allSatisfy { $0 == 201 })
            #expect(Set(seen.withLockedValue { $0.map(\.body) }).count == 100)
            await transport.shutdown()
        }
    }

    @Test func timeoutsRefusalsAndBadURLsAreTyped() async throws {
        try await withProviderServer { port, _ in
            let transport = CurlTransport.running(concurrency: 2)
            await #expect(throws: TransportError.timeout) {
                try await transport.perform(OutgoingHTTPRequest(url: "http://127.0.0.1:\(port)/slow", timeout: .milliseconds(300)))
            }
            let closed = try TestEnvironment.freePort()
            await #expect {
                try await transport.perform(OutgoingHTTPRequest(url: "http://127.0.0.1:\(closed)/x"))
            } throws: { error in
                guard let error = error as? TransportError, case .network = error else { return false }
                return error.isTransient
            }
            await #expect {
                try await transport.perform(OutgoingHTTPRequest(url: "file:///etc/passwd"))
            } throws: { error in
                guard let error = error as? TransportError, case .invalidRequest = error else { return false }
                return !error.isTransient
            }
            await transport.shutdown()
        }
    }

    // MARK: SMTP against a real SMTP server (aiosmtpd)

    struct ReceivedMail: Decodable {
        var mail_from: String
        var rcpt_tos: [String]
        var data: String
        var tls: Bool
        var auth_user: String?
        /// The client's port: one per SMTP session.
        var peer_port: Int
    }

    func startSMTPServer(_ extra: [String] = []) async throws -> (ManagedProcess, port: Int, mailbox: URL) {
        let port = try TestEnvironment.freePort()
        let mailbox = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString).jsonl")
        let server = try ManagedProcess.python(script: "smtp_sink.py", arguments: ["--port", String(port), "--out", mailbox.path] + extra)
        try await server.waitForOutput("READY")
        return (server, port, mailbox)
    }

    func received(_ mailbox: URL) throws -> [ReceivedMail] {
        let text = (try? String(contentsOf: mailbox, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONDecoder().decode(ReceivedMail.self, from: Data($0.utf8)) }
    }

    static let message = Array(
        "From: <no-reply@acme.test>\r\nTo: <ada@example.com>\r\nSubject: Your code\r\n\r\nYour code is 123456\r\n".utf8)

    @Test func sendsOverSTARTTLSWithAuth() async throws {
        let (certificate, key) = try makeSelfSignedCertificate()
        let (server, port, mailbox) = try await startSMTPServer([
            "--auth", "mailer:pa55", "--tls-cert", certificate, "--tls-key", key, "--require-tls",
        ])
        let transport = CurlTransport.running(concurrency: 2)
        try await transport.send(
            OutgoingMail(from: "no-reply@acme.test", recipients: ["ada@example.com"], message: Self.message),
            via: SMTPServer(url: "smtp://localhost:\(port)", username: "mailer", password: "pa55", tls: .required, caFile: certificate))
        let mails = try received(mailbox)
        #expect(mails.count == 1)
        #expect(mails.first?.tls == true)
        #expect(mails.first?.auth_user == "mailer")
        #expect(mails.first?.mail_from == "no-reply@acme.test")
        #expect(mails.first?.rcpt_tos == ["ada@example.com"])
        #expect(mails.first?.data.contains("Your code is 123456") == true)

        await #expect {
            try await transport.send(
                OutgoingMail(from: "no-reply@acme.test", recipients: ["ada@example.com"], message: Self.message),
                via: SMTPServer(url: "smtp://localhost:\(port)", username: "mailer", password: "wrong", tls: .required, caFile: certificate)
            )
        } throws: { error in
            guard let error = error as? TransportError else { return false }
            return !error.description.contains("wrong")
        }
        #expect(try received(mailbox).count == 1)

        // The next message with the right password goes over the first TLS session, still open.
        try await transport.send(
            OutgoingMail(from: "no-reply@acme.test", recipients: ["bob@example.com"], message: Self.message),
            via: SMTPServer(url: "smtp://localhost:\(port)", username: "mailer", password: "pa55", tls: .required, caFile: certificate))
        let both = try received(mailbox)
        #expect(both.map(\.tls) == [true, true] && both.map(\.auth_user) == ["mailer", "mailer"])
        #expect(Set(both.map(\.peer_port)).count == 1, "the second message opened a new SMTP session")
        await transport.shutdown()
        server.signal(SIGTERM)
    }

    /// Messages to one server go over one SMTP session, in turn (a new MAIL FROM on the live
    /// session); another server gets a session of its own.
    @Test func reusesOneSMTPSessionForConsecutiveMessages() async throws {
        let (server, port, mailbox) = try await startSMTPServer()
        let (other, otherPort, otherMailbox) = try await startSMTPServer()
        let transport = CurlTransport.running(concurrency: 4)
        for index in 0..<5 {
            try await transport.send(
                OutgoingMail(from: "no-reply@acme.test", recipients: ["user\(index)@example.com"], message: Self.message),
                via: SMTPServer(url: "smtp://127.0.0.1:\(port)"))
        }
        try await transport.send(
            OutgoingMail(from: "no-reply@acme.test", recipients: ["ada@example.com"], message: Self.message),
            via: SMTPServer(url: "smtp://127.0.0.1:\(otherPort)"))
        let mails = try received(mailbox)
        #expect(mails.map(\.rcpt_tos) == (0..<5).map { ["user\($0)@example.com"] })
        #expect(Set(mails.map(\.peer_port)).count == 1, "5 messages used \(Set(mails.map(\.peer_port)).count) SMTP sessions")
        #expect(try received(otherMailbox).count == 1)
        await transport.shutdown()
        server.signal(SIGTERM)
        other.signal(SIGTERM)
    }

    @Test func plainServerWithOpportunisticTLSAndPermanentRefusals() async throws {
        let (server, port, mailbox) = try await startSMTPServer()
        let transport = CurlTransport.running(concurrency: 2)
        let mail = OutgoingMail(from: "no-reply@acme.test", recipients: ["ada@example.com"], message: Self.message)
        try await transport.send(mail, via: SMTPServer(url: "smtp://127.0.0.1:\(port)"))
        #expect(try received(mailbox).map(\.tls) == [false])
        await #expect(throws: TransportError.self, "TLS required but not offered") {
            try await transport.send(mail, via: SMTPServer(url: "smtp://127.0.0.1:\(port)", tls: .required))
        }
        await #expect(throws: TransportError.invalidRequest("an envelope address contains a forbidden character")) {
            try await transport.send(
                OutgoingMail(from: "x@acme.test", recipients: ["ada@example.com>\r\nRCPT TO:<eve@evil.test"], message: Self.message),
                via: SMTPServer(url: "smtp://127.0.0.1:\(port)"))
        }
        for injected in ["ada@example.com\r\nRCPT TO:eve@evil.test", "ada@example.com\nRCPT TO:eve@evil.test"] {
            await #expect(throws: TransportError.invalidRequest("an envelope address contains a forbidden character")) {
                try await transport.send(
                    OutgoingMail(from: "x@acme.test", recipients: [injected], message: Self.message),
                    via: SMTPServer(url: "smtp://127.0.0.1:\(port)"))
            }
        }
        server.signal(SIGTERM)

        let (rejecting, rejectingPort, _) = try await startSMTPServer(["--reject-rcpt", "550"])
        await #expect {
            try await transport.send(mail, via: SMTPServer(url: "smtp://127.0.0.1:\(rejectingPort)"))
        } throws: { error in
            guard let error = error as? TransportError, case .smtp(let code, _) = error else { return false }
            return code == 550 && !error.isTransient
        }
        rejecting.signal(SIGTERM)
        await transport.shutdown()
    }

    /// Its thread starts in `run()`: a transfer asked for before waits for it, and fails clearly
    /// (as worth retrying) when it does not come.
    @Test func transfersBeforeRunWaitForItOrFailClearly() async throws {
        let idle = CurlTransport(concurrency: 1, startTimeout: .milliseconds(200))
        #expect(idle.description == "CurlTransport(1 transfers in flight, 1 libcurl threads)")
        await #expect(throws: TransportError.notRunning) {
            try await idle.perform(OutgoingHTTPRequest(url: "http://127.0.0.1:9/", headers: [], body: []))
        }
        #expect(TransportError.notRunning.isTransient)
        await idle.shutdown()
        try await idle.run()  // returns at once: a shut-down transport never starts
    }

    private func makeSelfSignedCertificate() throws -> (certificate: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw TestFailure("openssl could not make a test certificate") }
        return (certificate, key)
    }
}
