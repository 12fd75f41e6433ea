import Foundation
import Testing

/// Magic links in a real browser: headless Debian Chromium, driven through Selenium by
/// `Tests/support/magic_link_browser_check.py`, opens the emailed link, presses Continue and
/// lands on a local callback; a single-page app does the same from its own origin through CORS.
/// The script also covers scanners, spent links, the authorization code's bindings and the
/// implicit flow (see its docstring).
@Suite("Magic links in a browser", .serialized)
struct MagicLinkBrowserTests {
    @Test func browserSignsInWithTheEmailedLink() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            // The script serves the callback page and the single-page app on these ports; the
            // clients must know them before the run.
            let callbackPort = try TestEnvironment.freePort()
            let spaPort = try TestEnvironment.freePort()
            let callback = "http://127.0.0.1:\(callbackPort)/callback"
            let spaOrigin = "http://127.0.0.1:\(spaPort)"
            let publicClient = try await stack.create([
                "client", "create", "--tenant", "acme", "--name", "browser app", "--type", "public", "--callbacks",
                "\(callback),\(spaOrigin)/callback", "--web-origins", spaOrigin, "--grant-types", "otp,authorization_code",
            ])
            let confidential = try await stack.create([
                "client", "create", "--tenant", "acme", "--name", "server app", "--type", "confidential", "--callbacks", callback,
                "--grant-types", "otp,authorization_code",
            ])
            let implicit = try await stack.create([
                "client", "create", "--tenant", "acme", "--name", "implicit app", "--type", "public", "--callbacks", callback,
                "--grant-types", "implicit",
            ])
            let script = try ManagedProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                arguments: ["python3", FlowTests.support("magic_link_browser_check.py")],
                environment: [
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                    "HOME": FileManager.default.temporaryDirectory.path,
                    "PL_GATEWAY": stack.gatewayURL, "PL_ISSUER": "https://\(tenant.domain)/",
                    "PL_PUBLIC_CLIENT_ID": publicClient["client_id"] as! String,
                    "PL_CONFIDENTIAL_CLIENT_ID": confidential["client_id"] as! String,
                    "PL_CONFIDENTIAL_CLIENT_SECRET": confidential["client_secret"] as! String,
                    "PL_IMPLICIT_CLIENT_ID": implicit["client_id"] as! String,
                    "PL_CALLBACK_PORT": String(callbackPort), "PL_SPA_PORT": String(spaPort), "PL_MAILBOX": stack.mailbox.path,
                ])
            let status = await script.waitForExit(within: .seconds(120))
            let output = script.output
            // Every code the emails carried must stay out of the service logs (checked at stop).
            for line in output.split(separator: "\n") where line.hasPrefix("codes seen:") {
                for code in line.dropFirst("codes seen:".count).split(separator: " ") { stack.rememberSecret(String(code)) }
            }
            #expect(status == 0, "magic-link browser checks failed:\n\(output)\n--- services ---\n\(stack.serviceLogs)")
            #expect(output.contains("magic links: all checks passed"))
        }
    }
}
