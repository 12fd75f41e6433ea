import Foundation
import Logging

/// One log line per change made through the console: who (the operator's address), what (the
/// command, its secret values written as `***`), when, and the outcome. Never a code, a session
/// or CSRF token, or a secret.
struct ConsoleAudit: Sendable {
    let logger: Logger

    init() {
        var logger = Logger(label: "passwordless-console.audit")
        logger.logLevel = .info
        self.logger = logger
    }

    /// Flags whose value is a secret: credentials, tokens, passwords, API keys, hook and webhook secrets.
    static let secretFlags: Set<String> = [
        "--twilio-auth-token", "--smtp-password", "--webhook-secret", "--api-key", "--server-token", "--aws-secret-access-key",
        "--client-secret", "--token", "--password", "--secret-value",
    ]

    /// Flags whose value is a URL that may carry a secret in its path or query (a Slack-style
    /// webhook): only its scheme and host are written.
    static let urlFlags: Set<String> = ["--url", "--webhook-url"]

    /// `arguments` fit for a log: secret flags' values as `***`, a URL's user and password
    /// removed, and of the URL flags only the scheme and host.
    static func redacted(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var hideNext = false
        var originNext = false
        for argument in arguments {
            if hideNext || originNext {
                result.append(hideNext ? "***" : origin(argument))
                (hideNext, originNext) = (false, false)
                continue
            }
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                let flag = String(argument[..<equals])
                if secretFlags.contains(flag) {
                    result.append(flag + "=***")
                    continue
                }
                if urlFlags.contains(flag) {
                    result.append(flag + "=" + origin(String(argument[argument.index(after: equals)...])))
                    continue
                }
            }
            hideNext = secretFlags.contains(argument)
            originNext = urlFlags.contains(argument)
            result.append(withoutUserInfo(argument))
        }
        return result
    }

    /// `https://hooks.example.com/services/T0/B0/secret?x=1` → `https://hooks.example.com/…`.
    static func origin(_ text: String) -> String {
        guard let url = URLComponents(string: text), let scheme = url.scheme, let host = url.host else { return "***" }
        return "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")/…"
    }

    /// `smtp://user:password@host` → `smtp://***@host`.
    static func withoutUserInfo(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
            !text[scheme.upperBound..<at].contains("/")
        else { return text }
        return text[..<scheme.upperBound] + "***" + text[at...]
    }

    func record(operator email: String, arguments: [String], error: String?) {
        logger.notice(
            "console change",
            metadata: [
                "operator": "\(email)", "command": "\(Self.redacted(arguments).joined(separator: " "))",
                "at": "\(Output.timestamp(Date()))", "outcome": "\(error.map { "failed: \($0)" } ?? "ok")",
            ])
    }
}
