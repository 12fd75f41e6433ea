import Foundation
import Testing

/// The operators' console in a real browser: the stack and `passwordless-admin console` run as
/// processes, and `Tests/support/console_browser_check.py` drives headless Chromium through
/// sign-in (a code from the SMTP mailbox), CSRF, the client, connection, queue and dead-letter
/// pages and a login link (see its docstring). Full-page screenshots of the main pages are saved
/// in `.build/test-artifacts/console/` (or `$PASSWORDLESS_TEST_ARTIFACTS/console/`).
@Suite("Operators' console in a browser", .serialized)
struct ConsoleBrowserTests {
    static let operatorEmail = "ops@console.example.com"

    static var artifacts: URL {
        if let directory = ProcessInfo.processInfo.environment["PASSWORDLESS_TEST_ARTIFACTS"] {
            return URL(fileURLWithPath: directory).appendingPathComponent("console")
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/test-artifacts/console")
    }

    @Test func operatorRunsTheConsoleInABrowser() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let port = try TestEnvironment.freePort()
            let console = "http://127.0.0.1:\(port)"
            var environment = stack.environment
            environment["CONSOLE_OPERATORS"] = "someone@else.example.com, \(Self.operatorEmail.uppercased())"
            let server = try ManagedProcess.service(
                "passwordless-admin", arguments: ["console", "--port", String(port)], environment: environment)
            defer { server.signal(SIGTERM) }
            let ready = await TestEnvironment.eventually(within: .seconds(20)) { await HTTPProbe.status("\(console)/signin") == 200 }
            #expect(ready, "the console did not start:\n\(server.output)")
            guard ready else { return }

            var scriptEnvironment = environment
            scriptEnvironment.merge([
                "HOME": FileManager.default.temporaryDirectory.path, "PL_CONSOLE": console, "PL_GATEWAY": stack.gatewayURL,
                "PL_CLIENT_ID": tenant.clientID, "PL_TENANT": tenant.name, "PL_OPERATOR": Self.operatorEmail,
                "PL_OUTSIDER": "intruder@console.example.com", "PL_MAILBOX": stack.mailbox.path,
                "PL_ADMIN": try TestEnvironment.binDirectory().appendingPathComponent("passwordless-admin").path,
                "PL_SMTP_URL": "smtp://127.0.0.1:\(stack.smtpPort)", "PL_ARTIFACTS": Self.artifacts.path,
            ]) { $1 }
            let script = try ManagedProcess(
                URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", FlowTests.support("console_browser_check.py")],
                environment: scriptEnvironment)
            let status = await script.waitForExit(within: .seconds(150))
            let output = script.output
            var secrets: [String] = []
            for line in output.split(separator: "\n") where line.hasPrefix("codes seen:") || line.hasPrefix("secrets seen:") {
                secrets += line.split(separator: ":", maxSplits: 1).last?.split(separator: " ").map(String.init) ?? []
            }
            for secret in secrets { stack.rememberSecret(secret) }
            #expect(status == 0, "console browser checks failed:\n\(output)\n--- console ---\n\(server.output)")
            #expect(output.contains("console: all checks passed"))

            // Every change left an audit line naming the operator; no code or secret reached the console's log.
            let log = server.output
            #expect(log.contains("console change") && log.contains("operator=\(Self.operatorEmail)") && log.contains("client create"))
            #expect(log.contains("--smtp-password=***"))
            #expect(!log.contains("console request failed"), "a console request failed")
            let words = Set(log.split { !$0.isLetter && !$0.isNumber }.map(String.init))
            for secret in secrets where secret.allSatisfy(\.isNumber) ? words.contains(secret) : log.contains(secret) {
                Issue.record("a secret reached the console's log: \(secret.prefix(2))…")
            }
            for name in ["signin", "tenants", "clients", "connection", "queue", "dead"] {
                #expect(FileManager.default.fileExists(atPath: Self.artifacts.appendingPathComponent("console-\(name).png").path))
            }
        }
    }
}
