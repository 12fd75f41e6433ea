import Foundation
import PasswordlessCore
import Testing

/// `Tests/support/fake_email_apis.py`: one local server that answers like SendGrid, Mailgun,
/// Postmark and Amazon SES (the path decides), checks their credentials (SES's SigV4 signature
/// recomputed in Python) and records what each accepted. Stopped when released.
final class FakeEmailAPIs: @unchecked Sendable {
    /// The four APIs, with the provider each stands in for.
    enum API: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sendgrid, mailgun, postmark, ses
        var provider: Connection.Provider { Connection.Provider(rawValue: rawValue)! }
        var testDescription: String { rawValue }
    }

    static let sendGridKey = "SG.test-key-4f1d"
    static let mailgunKey = "key-mailgun-test-91ac"
    static let mailgunDomain = "mg.acme.example.com"
    static let postmarkToken = "postmark-server-token-2b7e"
    static let awsAccessKeyID = "AKIDEXAMPLE"
    static let awsSecretAccessKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let awsRegion = "eu-west-1"
    /// The only domain the APIs accept senders of (a verified sender identity).
    static let senderDomain = "acme.example.com"
    static let sender = "no-reply@acme.example.com"
    /// Every credential above: none may reach a log.
    static let secrets = [sendGridKey, mailgunKey, postmarkToken, awsSecretAccessKey]

    let process: ManagedProcess
    let port: Int
    let messagesFile: URL
    let attemptsFile: URL
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the server; `arguments` add `--fail-first N --fail-status S --retry-after R`.
    init(arguments: [String] = []) async throws {
        port = try TestEnvironment.freePort()
        let directory = FileManager.default.temporaryDirectory
        messagesFile = directory.appendingPathComponent("email-apis-\(UUID().uuidString).jsonl")
        attemptsFile = directory.appendingPathComponent("email-api-attempts-\(UUID().uuidString).jsonl")
        process = try ManagedProcess.python(
            script: "fake_email_apis.py",
            arguments: [
                "--port", String(port), "--out", messagesFile.path, "--attempts-out", attemptsFile.path,
                "--sendgrid-key", Self.sendGridKey, "--mailgun-key", Self.mailgunKey, "--mailgun-domain", Self.mailgunDomain,
                "--postmark-token", Self.postmarkToken, "--aws-access-key-id", Self.awsAccessKeyID,
                "--aws-secret-access-key", Self.awsSecretAccessKey, "--aws-region", Self.awsRegion, "--sender-domain", Self.senderDomain,
            ] + arguments)
        try await process.waitForOutput("READY")
    }

    deinit {
        process.signal(SIGKILL)
        try? FileManager.default.removeItem(at: messagesFile)
        try? FileManager.default.removeItem(at: attemptsFile)
    }

    /// A message an API accepted, as the server recorded it.
    struct Message: Decodable {
        var api: String
        var id: String
        var from: String
        var to: String
        var subject: String?
        var text: String?
        var html: String?
        var job_id: String?
        var content_types: [String]?
        var charsets: [String]?
        var stream: String?
    }

    /// One authenticated request and the status it was answered with.
    struct Attempt: Decodable {
        var t: Double
        var api: String
        var job: String?
        var status: Int
    }

    func messages() -> [Message] { Self.lines(messagesFile) }
    func attempts() -> [Attempt] { Self.lines(attemptsFile) }

    private static func lines<T: Decodable>(_ file: URL) -> [T] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(T.self, from: Data($0.utf8)) }
    }

    /// The `passwordless-admin connection create` flags of a connection on `api`, pointed here.
    func connectionFlags(_ api: API) -> [String] {
        let credentials: [String] =
            switch api {
            case .sendgrid: ["--api-key", Self.sendGridKey]
            case .mailgun: ["--api-key", Self.mailgunKey, "--domain", Self.mailgunDomain, "--region", "eu"]
            case .postmark: ["--server-token", Self.postmarkToken]
            case .ses:
                [
                    "--aws-access-key-id", Self.awsAccessKeyID, "--aws-secret-access-key", Self.awsSecretAccessKey, "--aws-region",
                    Self.awsRegion,
                ]
            }
        return ["--strategy", "email", "--provider", api.rawValue, "--from", Self.sender, "--api-base-url", baseURL] + credentials
    }

    /// The settings and secrets of a connection on `api`, pointed here.
    func connection(_ api: API) -> (ProviderSettings, ProviderSecrets) {
        var settings = ProviderSettings(from: Self.sender, apiBaseURL: baseURL)
        var secrets = ProviderSecrets()
        switch api {
        case .sendgrid: secrets.apiKey = Self.sendGridKey
        case .mailgun:
            secrets.apiKey = Self.mailgunKey
            settings.mailgunDomain = Self.mailgunDomain
        case .postmark: secrets.postmarkServerToken = Self.postmarkToken
        case .ses:
            settings.awsAccessKeyID = Self.awsAccessKeyID
            settings.awsRegion = Self.awsRegion
            secrets.awsSecretAccessKey = Self.awsSecretAccessKey
        }
        return (settings, secrets)
    }
}
