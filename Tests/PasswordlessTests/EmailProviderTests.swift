import Delivery
import DeliveryTransport
import Foundation
import PasswordlessCore
import Testing

/// The HTTP email providers against `fake_email_apis.py`, a local server that checks each
/// request as the real API does (SES's signature recomputed in Python): what arrives, the id
/// returned, and how refusals are classified.
@Suite("Email providers", .serialized)
struct EmailProviderTests {
    typealias API = FakeEmailAPIs.API

    static let message = RenderedMessage(
        jobID: "6f1c2a9e-4b7d-4e0a-9c3b-2d5e8f7a1b04", recipient: "ada@example.net", body: "Your code is 481516.\n\nIt expires soon.",
        subject: "Your Acmé code", html: "<p>Your code is <b>481516</b> &amp; it expires soon.</p>")

    static func provider(_ api: API, transport: CurlTransport) -> any DeliveryProvider {
        switch api {
        case .sendgrid: SendGridProvider(transport: transport)
        case .mailgun: MailgunProvider(transport: transport)
        case .postmark: PostmarkProvider(transport: transport)
        case .ses: SESProvider(transport: transport)
        }
    }

    /// Delivers `message` through `api`'s provider to `server`, with the connection changed by `adjust`.
    static func deliver(
        _ api: API, to server: FakeEmailAPIs, message: RenderedMessage = message,
        adjust: (inout ProviderSettings, inout ProviderSecrets) -> Void = { _, _ in }
    ) async -> Result<String?, DeliveryError> {
        let transport = CurlTransport.running(concurrency: 4)
        defer { Task { await transport.shutdown() } }
        var (settings, secrets) = server.connection(api)
        adjust(&settings, &secrets)
        do {
            return .success(try await provider(api, transport: transport).deliver(message, settings: settings, secrets: secrets))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: API.allCases) func deliversSubjectTextHTMLFromAndToAndReturnsTheProvidersID(api: API) async throws {
        let server = try await FakeEmailAPIs()
        let id = try await Self.deliver(api, to: server).get()
        let message = try #require(server.messages().first, "\(server.process.output)")
        #expect(server.messages().count == 1)
        #expect(message.api == api.rawValue)
        #expect(id != nil && id == message.id)
        #expect(message.from == FakeEmailAPIs.sender && message.to == Self.message.recipient)
        #expect(message.subject == Self.message.subject && message.text == Self.message.body && message.html == Self.message.html)
        #expect(message.job_id == Self.message.jobID, "the job id goes along for de-duplication")
        switch api {
        case .sendgrid: #expect(message.content_types == ["text/plain", "text/html"])
        case .ses: #expect(message.charsets == ["UTF-8", "UTF-8", "UTF-8"])
        case .postmark: #expect(message.stream == "outbound")
        case .mailgun: break
        }
    }

    /// What each API answers for an address it cannot parse and for one it will not send to.
    static let refusedRecipients: [API: [(recipient: String, reason: String)]] = [
        .sendgrid: [("not-an-address", "Does not contain a valid address"), ("grace@mail.invalid", "Does not contain a valid address")],
        .mailgun: [("not-an-address", "not a valid address"), ("grace@mail.invalid", "not a valid address")],
        .postmark: [("not-an-address", "Postmark error 300"), ("grace@mail.invalid", "Postmark error 406")],
        .ses: [("not-an-address", "BadRequestException"), ("grace@mail.invalid", "MessageRejected")],
    ]

    @Test(arguments: API.allCases) func aBadAddressOrAnUndeliverableRecipientIsPermanent(api: API) async throws {
        let server = try await FakeEmailAPIs()
        for (recipient, expected) in Self.refusedRecipients[api]! {
            var message = Self.message
            message.recipient = recipient
            let result = await Self.deliver(api, to: server, message: message)
            guard case .failure(.permanent(let reason)) = result else {
                Issue.record("\(recipient): \(result)")
                continue
            }
            #expect(reason.hasPrefix("HTTP 4") && reason.contains(expected), "\(recipient): \(reason)")
            #expect(!reason.contains("481516"), "a refusal carries no code")
        }
        #expect(server.messages().isEmpty)
    }

    @Test(arguments: [API.sendgrid, .postmark, .ses]) func aRejectedSenderIsPermanent(api: API) async throws {
        let server = try await FakeEmailAPIs()
        let result = await Self.deliver(api, to: server) { settings, _ in settings.from = "someone@unverified.example.org" }
        guard case .failure(.permanent) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(server.messages().isEmpty)
    }

    @Test(arguments: API.allCases) func badCredentialsArePermanent(api: API) async throws {
        let server = try await FakeEmailAPIs()
        let result = await Self.deliver(api, to: server) { _, secrets in
            secrets.apiKey = secrets.apiKey.map { $0 + "x" }
            secrets.postmarkServerToken = secrets.postmarkServerToken.map { $0 + "x" }
            secrets.awsSecretAccessKey = secrets.awsSecretAccessKey.map { $0 + "x" }
        }
        guard case .failure(.permanent(let reason)) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(reason.hasPrefix("HTTP 401") || reason.hasPrefix("HTTP 403"), "\(reason)")
        for secret in FakeEmailAPIs.secrets { #expect(!reason.contains(secret), "a refusal names a credential") }
        #expect(server.messages().isEmpty)
    }

    /// The signature is really checked: a wrong secret, region or host is refused by the
    /// server's own SigV4 computation (not by comparing credentials).
    @Test func sesRefusesAWrongSignature() async throws {
        let server = try await FakeEmailAPIs()
        let wrongSecret = await Self.deliver(.ses, to: server) { _, secrets in secrets.awsSecretAccessKey = "wrong-secret" }
        guard case .failure(.permanent(let reason)) = wrongSecret else {
            Issue.record("\(wrongSecret)")
            return
        }
        #expect(reason.contains("HTTP 403") && reason.contains("SignatureDoesNotMatch"), "\(reason)")
        let wrongRegion = await Self.deliver(.ses, to: server) { settings, _ in settings.awsRegion = "us-east-1" }
        #expect(wrongRegion.refusal?.reason.contains("SignatureDoesNotMatch") == true, "\(wrongRegion)")
        #expect(server.messages().isEmpty)
        #expect(try await Self.deliver(.ses, to: server).get() != nil, "the right secret signs a request the server accepts")
    }

    @Test(arguments: [429, 503], API.allCases) func throttlingAndOutagesAreTransientWithTheirRetryAfter(status: Int, api: API) async throws
    {
        let server = try await FakeEmailAPIs(arguments: ["--fail-first", "1", "--fail-status", String(status), "--retry-after", "7"])
        let first = await Self.deliver(api, to: server)
        guard case .failure(.transient(let reason, let retryAfter)) = first else {
            Issue.record("\(first)")
            return
        }
        #expect(reason.hasPrefix("HTTP \(status)"), "\(reason)")
        #expect(retryAfter == 7)
        #expect(server.messages().isEmpty)
        #expect(try await Self.deliver(api, to: server).get() != nil, "the retry goes through")
        #expect(server.messages().count == 1)
    }

    /// SES names its errors; the name decides, because some "not now" errors are a 400.
    @Test func sesErrorTypesDecideTheirClass() {
        func answer(_ status: Int, _ type: String?, body: String = #"{"message":"m"}"#) -> DeliveryError? {
            let headers = type.map { ["x-amzn-errortype": "\($0):http://internal.amazon.com/coral/com.amazonaws.sesv2/"] } ?? [:]
            let response = IncomingHTTPResponse(
                status: status, headers: headers.merging(["retry-after": "3"]) { $1 }, body: Array(body.utf8))
            return SESProvider.classify(response, reply: (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any])
        }
        #expect(answer(200, nil, body: #"{"MessageId":"x"}"#) == nil)
        #expect(answer(400, "LimitExceededException") == .transient(reason: "HTTP 400: SES LimitExceededException: m", retryAfter: 3))
        #expect(answer(429, "TooManyRequestsException")?.isTransient == true)
        #expect(answer(500, "InternalFailure")?.isTransient == true)
        #expect(answer(503, nil)?.isTransient == true)
        for type in ["MessageRejected", "MailFromDomainNotVerifiedException", "BadRequestException", "AccountSuspendedException"] {
            #expect(answer(400, type)?.isTransient == false, "\(type)")
        }
        #expect(answer(403, "SignatureDoesNotMatch")?.isTransient == false)
        #expect(answer(400, nil, body: #"{"__type":"com.amazonaws.sesv2#LimitExceededException","message":"m"}"#)?.isTransient == true)
    }

    @Test func mailgunRegionsPickTheirBase() {
        #expect(MailgunProvider.baseURL(ProviderSettings()) == "https://api.mailgun.net")
        #expect(MailgunProvider.baseURL(ProviderSettings(mailgunRegion: "us")) == "https://api.mailgun.net")
        #expect(MailgunProvider.baseURL(ProviderSettings(mailgunRegion: "eu")) == "https://api.eu.mailgun.net")
        #expect(MailgunProvider.baseURL(ProviderSettings(apiBaseURL: "http://127.0.0.1:9/", mailgunRegion: "eu")) == "http://127.0.0.1:9")
        #expect(MailgunProvider.baseURL(ProviderSettings(mailgunRegion: "ap")) == nil)
        #expect(SESProvider.defaultBaseURL(region: "eu-west-1") == "https://email.eu-west-1.amazonaws.com")
    }

    /// AWS's Signature Version 4 test suite: "get-vanilla" and "get-vanilla-query-order-key-case"
    /// (credentials AKIDEXAMPLE, 2015-08-30 12:36:00 UTC, us-east-1, service `service`).
    @Test func theSignerMatchesAWSsTestSuite() throws {
        let signer = AWSSignatureV4(
            accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1",
            service: "service")
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z
        let vanilla = signer.sign(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")], payload: [], date: date)
        #expect(vanilla.map(\.name) == ["X-Amz-Date", "Authorization"])
        #expect(vanilla.first?.value == "20150830T123600Z")
        #expect(
            vanilla.last?.value
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, "
                + "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        let ordered = signer.sign(
            method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")], headers: [("Host", "example.amazonaws.com")],
            payload: [], date: date)
        #expect(ordered.last?.value.hasSuffix("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500") == true)
    }
}

extension Result {
    var refusal: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension DeliveryError {
    var isTransient: Bool {
        if case .transient = self { return true }
        return false
    }
}
