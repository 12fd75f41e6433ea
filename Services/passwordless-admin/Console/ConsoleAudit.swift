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

    /// `arguments` fit for a log: secret flags' values as `***`, a URL's user and password removed.
    static func redacted(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var hideNext = false
        for argument in arguments {
            if hideNext {
                result.append("***")
                hideNext = false
                continue
            }
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--"), secretFlags.contains(String(argument[..<equals])) {
                result.append(argument[..<equals] + "=***")
                continue
            }
            hideNext = secretFlags.contains(argument)
            result.append(withoutUserInfo(argument))
        }
        return result
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
                "at": "\(ISO8601DateFormatter().string(from: Date()))", "outcome": "\(error.map { "failed: \($0)" } ?? "ok")",
            ])
    }
}
