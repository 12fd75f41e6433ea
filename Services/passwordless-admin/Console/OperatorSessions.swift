import Crypto
import Foundation
import PasswordlessCore
import RedisClient

/// The console's records in Redis, each under the SHA-256 of its random token (never the token
/// itself, never an address): signed-in sessions, sign-ins waiting for their code, and one-time
/// sign-in links.
struct OperatorSessions: Sendable {
    let redis: RedisClient

    /// A session ends after this long without a request…
    static let idleSeconds = 30 * 60
    /// …and this long after sign-in, whatever happens.
    static let absoluteSeconds = 12 * 3600
    /// A sign-in link and a sign-in waiting for its code live this long.
    static let pendingSeconds = 10 * 60

    /// A signed-in operator.
    struct Session: Sendable {
        var email: String
        /// The token every form of this session carries.
        var csrf: String
    }

    static func key(_ kind: String, _ token: String) -> String {
        "pl:console:\(kind):" + SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// 32 random bytes, base64url.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    // MARK: Sessions

    /// Starts a session for `email`; returns its cookie token.
    func create(email: String, now: Date = Date()) async throws -> String {
        let token = Self.newToken()
        let key = Self.key("session", token)
        _ = try await redis.pipeline([
            RedisCommand(
                "HSET", key, "email", email, "csrf", Self.newToken(), "created", String(Int(now.timeIntervalSince1970))),
            RedisCommand("EXPIRE", key, String(Self.idleSeconds)),
        ])
        return token
    }

    /// The session of `token`, its idle expiry pushed back unless `touch` is false (the queue
    /// page's polling, which is not the operator's activity); nil when there is none or it is
    /// past its absolute expiry (then it is deleted).
    func find(_ token: String, touch: Bool = true, now: Date = Date()) async throws -> Session? {
        let key = Self.key("session", token)
        let fields = try await redis.send("HGETALL", key).array ?? []
        var values: [String: String] = [:]
        for index in stride(from: 0, to: fields.count - 1, by: 2) {
            if let name = fields[index].string { values[name] = fields[index + 1].string }
        }
        guard let email = values["email"], let csrf = values["csrf"], let created = values["created"].flatMap(Int.init) else { return nil }
        guard Int(now.timeIntervalSince1970) - created < Self.absoluteSeconds else {
            _ = try await redis.send("DEL", key)
            return nil
        }
        if touch { _ = try await redis.send("EXPIRE", key, String(Self.idleSeconds)) }
        return Session(email: email, csrf: csrf)
    }

    /// Signs out: the session is gone at once.
    func delete(_ token: String) async throws {
        _ = try await redis.send("DEL", Self.key("session", token))
    }

    // MARK: Sign-ins waiting for a code

    /// Records that someone typed `email` (an operator or not: the next page is the same);
    /// returns the token of the browser's `pl_console_signin` cookie.
    func startSignIn(email: String) async throws -> String {
        try await storePending("signin", email: email)
    }

    /// The address typed in the sign-in the cookie names, if it has not expired.
    func pendingSignIn(_ token: String) async throws -> String? {
        try await redis.send("GET", Self.key("signin", token)).string
    }

    func endSignIn(_ token: String) async throws {
        _ = try await redis.send("DEL", Self.key("signin", token))
    }

    // MARK: Sign-in links

    /// A one-time sign-in link's token for `email`.
    func issueLoginLink(email: String) async throws -> String {
        try await storePending("link", email: email)
    }

    /// Stores `email` for ``pendingSeconds`` under a new token of `kind`; returns the token.
    private func storePending(_ kind: String, email: String) async throws -> String {
        let token = Self.newToken()
        _ = try await redis.send("SET", Self.key(kind, token), email, "EX", String(Self.pendingSeconds))
        return token
    }

    /// The address of the link `token`, which is spent by this call (nil: unknown, used or expired).
    func redeemLoginLink(_ token: String) async throws -> String? {
        try await redis.send("GETDEL", Self.key("link", token)).string
    }
}
