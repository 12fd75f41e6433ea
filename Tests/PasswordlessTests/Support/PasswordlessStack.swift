import Foundation
import Logging
import NIOConcurrencyHelpers
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import Testing

/// The whole system as an operator runs it: a fresh database migrated by `passwordless-admin`,
/// a Redis (``Options/redis``: a server of its own, plain or TLS, or the test Redis Cluster), a
/// fake Twilio and a real SMTP server, and the three services as processes. Tenants, clients and
/// connections are made with the admin CLI, and codes are read from what the providers received,
/// never from the product's storage.
final class PasswordlessStack: @unchecked Sendable {
    let database: DatabaseSettings
    let redis: StackRedis
    let masterKey = MasterKey.generateBase64()
    let twilio: ManagedProcess
    let twilioPort: Int
    let twilioLog: URL
    let smtp: ManagedProcess
    let smtpPort: Int
    let mailbox: URL
    let options: Options
    /// Every secret the test has seen (codes, client secrets, management tokens, provider
    /// credentials, the master key): at the end, no service log may contain any of them.
    private let secrets = NIOLockedValueBox<Set<String>>([])
    private(set) var services: [String: (process: ManagedProcess, port: Int)] = [:]
    /// Each service's `/metrics` port (`METRICS_PORT`; the dispatcher's is its only port).
    private(set) var metricsPorts: [String: Int] = [:]

    /// What a test changes about the stack.
    struct Options {
        /// The Redis every service and `passwordless-admin` use (default: a server of the stack's own).
        var redis: RedisTarget = .single
        var twilioArguments: [String] = []
        /// Extra `redis-server` arguments (``RedisTarget/single`` and ``RedisTarget/tls`` only).
        var redisArguments: [String] = []
        /// Extra environment for every service and `passwordless-admin` (REDIS_MIN_REPLICAS,
        /// REDIS_WAIT_TIMEOUT, QUEUE_PARTITIONS, …).
        var environment: [String: String] = [:]
        /// Extra environment for the dispatchers (DISPATCHER_CONCURRENCY, …).
        var dispatcherEnvironment: [String: String] = [:]
        var dispatchers = 1
        var gateways = 1
        var tokens = 1
        /// Extra environment for the gateways (TRUSTED_PROXIES, …).
        var gatewayEnvironment: [String: String] = [:]
    }
    static let twilioSID = "AC" + String(repeating: "0", count: 31) + "1"
    static let twilioToken = "twilio-test-token-7f3c"

    var gatewayURL: String { "http://127.0.0.1:\(services["passwordless-gateway"]!.port)" }
    var tokenURL: String { "http://127.0.0.1:\(services["passwordless-token"]!.port)" }
    var dispatcher: ManagedProcess { services["passwordless-dispatcher"]!.process }
    var dispatcherPort: Int { services["passwordless-dispatcher"]!.port }
    var dispatchers: [ManagedProcess] { services.filter { $0.key.hasPrefix("passwordless-dispatcher") }.map(\.value.process) }

    private init(database: DatabaseSettings, options: Options) async throws {
        self.database = database
        self.options = options
        redis = try await StackRedis(options.redis, serverArguments: options.redisArguments)
        twilioPort = try TestEnvironment.freePort()
        twilioLog = FileManager.default.temporaryDirectory.appendingPathComponent("twilio-\(UUID().uuidString).jsonl")
        twilio = try ManagedProcess.python(
            script: "fake_twilio.py",
            arguments: [
                "--port", String(twilioPort), "--out", twilioLog.path, "--account-sid", Self.twilioSID, "--auth-token", Self.twilioToken,
            ] + options.twilioArguments)
        try await twilio.waitForOutput("READY")
        smtpPort = try TestEnvironment.freePort()
        mailbox = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(UUID().uuidString).jsonl")
        smtp = try ManagedProcess.python(script: "smtp_sink.py", arguments: ["--port", String(smtpPort), "--out", mailbox.path])
        try await smtp.waitForOutput("READY")
    }

    /// Runs `body` with a migrated, running stack, and tears it down after.
    static func with(_ options: Options = Options(), _ body: (PasswordlessStack) async throws -> Void) async throws {
        try await TemporaryDatabase.with { database in
            let stack = try await PasswordlessStack(database: database.settings, options: options)
            defer { stack.stop() }
            let migrate = try await stack.admin(["migrate"], json: false)
            guard migrate.status == 0 else { throw TestFailure("migrate failed: \(migrate.output)") }
            try await stack.startServices()
            try await body(stack)
        }
    }

    var environment: [String: String] {
        [
            "DATABASE_URL":
                "postgres://\(database.username):\(database.password ?? "")@\(database.host):\(database.port)/\(database.database)",
            "PASSWORDLESS_MASTER_KEY": masterKey,
            "HOST": "127.0.0.1",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ].merging(redis.environment) { $1 }.merging(options.environment) { $1 }
    }

    /// Starts the services; the n-th of a kind is named `passwordless-<kind>#n` (the first has no
    /// suffix), and gateway n forwards to token service n (modulo their number).
    private func startServices() async throws {
        func names(_ executable: String, _ count: Int) -> [String] {
            (0..<count).map { $0 == 0 ? executable : "\(executable)#\($0 + 1)" }
        }
        let tokens = names("passwordless-token", options.tokens)
        let gateways = names("passwordless-gateway", options.gateways)
        var ports: [String: Int] = [:]
        for name in tokens + gateways + names("passwordless-dispatcher", options.dispatchers) {
            ports[name] = try TestEnvironment.freePort()
        }
        for (name, port) in ports {
            var environment = self.environment
            environment["PORT"] = String(port)
            let executable = String(name.prefix { $0 != "#" })
            if executable == "passwordless-dispatcher" {
                metricsPorts[name] = port
            } else {
                metricsPorts[name] = try TestEnvironment.freePort()
                environment["METRICS_PORT"] = String(metricsPorts[name]!)
            }
            if let index = gateways.firstIndex(of: name) {
                // Sign-in links point at the first gateway, where a test's browser can open them.
                environment["PUBLIC_BASE_URL"] = "http://127.0.0.1:\(ports[gateways[0]]!)"
                environment.merge(options.gatewayEnvironment) { $1 }
            }
            if executable == "passwordless-dispatcher" { environment.merge(options.dispatcherEnvironment) { $1 } }
            services[name] = (try ManagedProcess.service(executable, environment: environment), port)
        }
        for (name, service) in services {
            // A service that exited (a setting it refuses, a Redis it cannot use) is not waited for.
            let ready = await TestEnvironment.eventually(within: .seconds(20)) {
                guard service.process.isRunning else { return true }
                return await HTTPProbe.status("http://127.0.0.1:\(service.port)/readyz") == 200
            }
            guard service.process.isRunning else { throw TestFailure("\(name) exited before it became ready:\n\(service.process.output)") }
            guard ready else { throw TestFailure("\(name) did not become ready:\n\(service.process.output)") }
        }
    }

    /// The base URLs of every running service of one kind (`gateway`, `token`, `dispatcher`).
    func urls(of kind: String) -> [String] {
        services.filter { $0.key.hasPrefix("passwordless-\(kind)") }.sorted { $0.key < $1.key }.map { "http://127.0.0.1:\($0.value.port)" }
    }

    /// Where the named service (`passwordless-gateway`, `passwordless-token#2`, …) serves `/metrics`.
    func metricsURL(_ name: String) -> String { "http://127.0.0.1:\(metricsPorts[name]!)/metrics" }

    /// The `/metrics` URLs of every running service of one kind, in the order of ``urls(of:)``.
    func metricsURLs(of kind: String) -> [String] {
        services.keys.filter { $0.hasPrefix("passwordless-\(kind)") }.sorted().map(metricsURL)
    }

    /// Adds a value that must never appear in a log.
    func rememberSecret(_ value: String) {
        secrets.withLockedValue { _ = $0.insert(value) }
    }

    func stop() {
        for (_, service) in services where service.process.isRunning {
            service.process.signal(SIGTERM)
        }
        for (_, service) in services { service.process.process.waitUntilExit() }
        for message in smsMessages() { if let code = Self.code(in: message.Body) { rememberSecret(code) } }
        for mail in mails() { if let code = Self.code(in: MailParts(mail.data).decodedBody) { rememberSecret(code) } }
        let logs = serviceLogs
        // Numeric codes are looked for as whole tokens (a run of digits standing alone), so a
        // code is not "found" inside a uuid or a timestamp.
        let standalone = Set(logs.split { !$0.isLetter && !$0.isNumber }.map(String.init))
        for secret in secrets.withLockedValue({ $0 }) + [Self.twilioToken, masterKey, "PRIVATE KEY"] {
            let leaked = secret.allSatisfy(\.isNumber) ? standalone.contains(secret) : logs.contains(secret)
            if leaked { Issue.record("a secret reached a service log: \(secret.prefix(2))…") }
        }
        twilio.signal(SIGKILL)
        smtp.signal(SIGKILL)
    }

    /// Everything the services logged so far.
    var serviceLogs: String { services.values.map(\.process.output).joined(separator: "\n") }

    // MARK: Operator commands

    /// Runs `passwordless-admin` with the stack's settings.
    func admin(_ arguments: [String], json: Bool = true) async throws -> (status: Int32?, output: String, json: [String: Any]) {
        let process = try ManagedProcess.service(
            "passwordless-admin", arguments: arguments + (json ? ["--json"] : []), environment: environment)
        let status = await process.waitForExit(within: .seconds(30))
        let output = process.output
        let object = json ? (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:] : [:]
        return (status, output, object)
    }

    /// Runs an admin command that must succeed and returns its JSON.
    @discardableResult
    func create(_ arguments: [String]) async throws -> [String: Any] {
        let result = try await admin(arguments)
        guard result.status == 0 else {
            throw TestFailure("passwordless-admin \(arguments.joined(separator: " ")) failed: \(result.output)")
        }
        for key in ["client_secret", "token"] { if let secret = result.json[key] as? String { rememberSecret(secret) } }
        return result.json
    }

    /// A tenant with an RS256 client and SMS (fake Twilio) and email (SMTP) connections.
    struct Tenant {
        var name: String
        var domain: String
        var clientID: String
    }

    /// The test process sends everything from 127.0.0.1, so the per-IP and per-recipient limits of
    /// these two connections are lifted; the security tests make connections with real limits.
    static let unlimited = ["--rate-per-ip", "1000000/60", "--rate-per-recipient", "1000/60"]

    func makeTenant(name: String = "acme", smsOptions: [String] = [], emailOptions: [String] = []) async throws -> Tenant {
        let domain = "\(name).example.com"
        try await create(["tenant", "create", "--name", name, "--domain", domain])
        let client = try await create(["client", "create", "--tenant", name, "--name", "\(name) web"])
        try await create(
            [
                "connection", "create", "--tenant", name, "--strategy", "sms", "--provider", "twilio", "--twilio-account-sid",
                Self.twilioSID,
                "--twilio-auth-token", Self.twilioToken, "--from", "+15005550006", "--twilio-base-url", "http://127.0.0.1:\(twilioPort)",
            ] + Self.unlimited + smsOptions)
        try await create(
            [
                "connection", "create", "--tenant", name, "--strategy", "email", "--provider", "smtp", "--smtp-url",
                "smtp://127.0.0.1:\(smtpPort)",
                "--from", "no-reply@\(domain)",
            ] + Self.unlimited + emailOptions)
        return Tenant(name: name, domain: domain, clientID: client["client_id"] as! String)
    }

    // MARK: What the providers received

    struct SMS: Decodable {
        var sid: String
        var To: String
        var From: String?
        var Body: String
        var idempotency_token: String?
    }

    func smsMessages() -> [SMS] {
        let text = (try? String(contentsOf: twilioLog, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(SMS.self, from: Data($0.utf8)) }
    }

    struct Mail: Decodable {
        var mail_from: String
        var rcpt_tos: [String]
        var data: String
    }

    func mails() -> [Mail] {
        let text = (try? String(contentsOf: mailbox, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Mail.self, from: Data($0.utf8)) }
    }

    /// Waits for the `count`-th SMS to `number` and returns the code in it.
    func smsCode(to number: String, count: Int = 1) async throws -> String {
        let arrived = await TestEnvironment.eventually(within: .seconds(15)) {
            self.smsMessages().filter { $0.To == number }.count >= count
        }
        guard arrived, let body = smsMessages().filter({ $0.To == number }).dropFirst(count - 1).first?.Body, let code = Self.code(in: body)
        else {
            throw TestFailure("no SMS #\(count) to \(number) arrived; dispatcher log:\n\(dispatcher.output)")
        }
        return code
    }

    /// Waits for the `count`-th email to `address` and returns the code in its (base64) body.
    func emailCode(to address: String, count: Int = 1) async throws -> String {
        let arrived = await TestEnvironment.eventually(within: .seconds(15)) {
            self.mails().filter { $0.rcpt_tos.contains(address) }.count >= count
        }
        guard arrived, let mail = mails().filter({ $0.rcpt_tos.contains(address) }).dropFirst(count - 1).first,
            let code = Self.code(in: MailParts(mail.data).decodedBody)
        else {
            throw TestFailure("no email #\(count) to \(address) arrived; dispatcher log:\n\(dispatcher.output)")
        }
        return code
    }

    static func code(in text: String) -> String? {
        text.split(whereSeparator: { !$0.isNumber }).first { $0.count == 6 }.map(String.init)
    }

    // MARK: HTTP

    func post(_ path: String, json: [String: Any], headers: [String: String] = [:], base: String? = nil) async throws -> HTTPProbe.Reply {
        try await HTTPProbe.send(
            "POST", (base ?? gatewayURL) + path, body: try JSONSerialization.data(withJSONObject: json),
            headers: ["Content-Type": "application/json"].merging(headers) { $1 })
    }

    /// ``post(_:json:headers:base:)`` through curl, for answers that may be a 401 with
    /// `WWW-Authenticate` (see ``HTTPProbe/curl(_:_:body:headers:)``).
    func postViaCurl(_ path: String, json: [String: Any], headers: [String: String] = [:]) async throws -> HTTPProbe.Reply {
        try await HTTPProbe.curl(
            "POST", gatewayURL + path, body: try JSONSerialization.data(withJSONObject: json),
            headers: ["Content-Type": "application/json"].merging(headers) { $1 })
    }

    func postForm(_ path: String, form: [String: String]) async throws -> HTTPProbe.Reply {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try await HTTPProbe.send(
            "POST", gatewayURL + path, body: Data(body.utf8), headers: ["Content-Type": "application/x-www-form-urlencoded"])
    }

    /// A query on the stack's database, for checks of what was stored.
    func query<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        try await TemporaryDatabase.withClient(database, body)
    }
}

/// The parts of a raw RFC 5322 message the tests look at; a multipart message's parts are
/// parsed too.
struct MailParts {
    var headers: [String: String] = [:]
    var rawBody = ""
    /// The body parts of a `multipart/*` message, in order; empty for a one-part message.
    var parts: [MailParts] = []

    init(_ raw: String) {
        let normalised = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let sections = normalised.components(separatedBy: "\n\n")
        var lastKey: String?
        for line in sections[0].split(separator: "\n") {
            if line.first == " " || line.first == "\t", let key = lastKey {
                headers[key, default: ""] += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].lowercased()
                headers[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                lastKey = key
            }
        }
        rawBody = sections.dropFirst().joined(separator: "\n\n")
        if mediaType.hasPrefix("multipart/"), let boundary {
            var current: [Substring]?
            for line in rawBody.split(separator: "\n", omittingEmptySubsequences: false) {
                if line == "--\(boundary)" || line == "--\(boundary)--" {
                    if let current { parts.append(MailParts(current.joined(separator: "\n"))) }
                    current = line == "--\(boundary)" ? [] : nil
                } else {
                    current?.append(line)
                }
            }
        }
    }

    /// The content type without its parameters, lower case (`text/plain` when absent).
    var mediaType: String {
        (headers["content-type"]?.split(separator: ";").first.map(String.init) ?? "text/plain").trimmingCharacters(in: .whitespaces)
            .lowercased()
    }

    /// The `boundary` parameter of the content type.
    var boundary: String? {
        guard let type = headers["content-type"], let match = type.range(of: #"boundary="?[^";]+"#, options: .regularExpression) else {
            return nil
        }
        return String(type[match].dropFirst("boundary=".count).drop { $0 == "\"" })
    }

    /// The body as text: for a multipart message, its text/plain part's.
    var decodedBody: String {
        if !parts.isEmpty { return part("text/plain")?.decodedBody ?? "" }
        guard headers["content-transfer-encoding"]?.lowercased() == "base64" else { return rawBody }
        return Data(base64Encoded: rawBody.replacingOccurrences(of: "\n", with: "")).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The first part (this message itself when it has no parts) of the given media type.
    func part(_ mediaType: String) -> MailParts? {
        parts.isEmpty ? (self.mediaType == mediaType ? self : nil) : parts.first { $0.mediaType == mediaType }
    }

    /// The subject, its RFC 2047 base64 words decoded.
    var decodedSubject: String? {
        headers["subject"].map { subject in
            subject.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .map { word in
                    guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                        let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
                    else { return word }
                    return String(decoding: data, as: UTF8.self)
                }.joined()
        }
    }

    /// The decoded `text/html` part, if there is one.
    var html: String? { part("text/html")?.decodedBody }
}
