import Foundation
import JobQueue
import Logging
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import RedisClient

/// The gateway's one mechanism for "send this person a code": check the abuse limits, find or
/// create the user, draw a code, store its MAC (replacing any earlier code) and enqueue its
/// sealed send job.
///
/// `/passwordless/start` and the seed's `/api/users` both go through here. Every refusal happens
/// before anything is written or queued.
public struct LoginStarter: Sendable {
    let users: UserRepository
    let codes: CodeStore
    let redis: RedisClient
    let jobSeal: SecretBox
    let tagger: RecipientTagger

    public init(postgres: PostgresClient, redis: RedisClient, masterKey: MasterKey, queue: QueueLayout, logger: Logger) {
        users = UserRepository(client: postgres, logger: logger)
        codes = CodeStore(redis: redis, masterKey: masterKey, queue: queue)
        self.redis = redis
        jobSeal = SecretBox(masterKey: masterKey, purpose: .jobSeal)
        tagger = RecipientTagger(masterKey: masterKey)
    }

    /// What a start did.
    public struct Started: Sendable {
        public var user: User
        public var created: Bool
        /// The send job, or nil when nothing was sent (sign-ups disabled and no such user: the
        /// caller answers as if it had sent, so the answer does not reveal who exists).
        public var jobID: String?
    }

    /// Refusals, all decided before anything is written or queued.
    public enum Refusal: Error, Equatable {
        /// A rate-limit bucket (`recipient`, `ip`, `tenant`, `country`) is empty.
        case rateLimited(bucket: String, retryAfter: Int)
        /// Too many wrong codes for this recipient lately.
        case lockedOut(retryAfter: Int)
        /// The number's country calling code is not on the connection's allow-list.
        case countryNotAllowed
    }

    /// `link` makes the message carry a sign-in link with the code in it (`send: "link"`), next
    /// to the code. `signupAllowed` overrides the connection's setting (the management API
    /// registers users whatever it says); `verified` marks a user it creates as verified (the
    /// management API's `email_verified`/`phone_verified`).
    public func start(
        tenant: Tenant, connection: Connection, recipient: Recipient, clientID: String, applicationName: String, language: String?,
        clientIP: String?, link: SignInLink? = nil, signupAllowed: Bool? = nil, verified: Bool = false
    ) async throws -> Started {
        try await checkLimits(tenant: tenant, connection: connection, recipient: recipient, clientIP: clientIP)
        let user: User
        let created: Bool
        if !(signupAllowed ?? !connection.disableSignup) {
            guard let existing = try await users.find(tenantID: tenant.id, connectionID: connection.id, identifier: recipient.normalized)
            else {
                return Started(
                    user: try await decoy(tenant: tenant, connection: connection, recipient: recipient, clientID: clientID), created: false,
                    jobID: nil)
            }
            (user, created) = (existing, false)
        } else {
            (user, created) = try await users.findOrCreate(
                tenantID: tenant.id, connection: connection, identifier: recipient.normalized, verified: verified)
        }
        let code = OneTimeCode.generate(length: connection.codeLength)
        let job = SendJob.make(
            code: code, link: link?.url(code: code), box: jobSeal, tenantID: tenant.id, connectionID: connection.id, clientID: clientID,
            applicationName: applicationName,
            recipient: recipient.normalized, expiresAt: Date().addingTimeInterval(Double(connection.codeTTLSeconds)), language: language)
        try await codes.issue(
            code: code, connection: connection.id, recipient: recipient, userID: user.id, clientID: clientID,
            request: link?.request.binding(clientID: clientID), ttlSeconds: connection.codeTTLSeconds, job: job)
        return Started(user: user, created: created, jobID: job.id)
    }

    /// The rate limits and the lockout, in one round trip: the buckets' script and the lockout's TTL.
    func checkLimits(tenant: Tenant, connection: Connection, recipient: Recipient, clientIP: String?) async throws {
        let limits = connection.limits
        let scope = connection.id.uuidString.lowercased()
        let tag = tagger.tag(connection: connection.id, recipient: recipient.normalized)
        var buckets = [
            RateLimiter.Bucket(
                key: RedisKeys.rateLimit(tenant: tenant.id, "\(scope):recipient:\(tag)"), rate: limits.perRecipient, name: "recipient"),
            RateLimiter.Bucket(key: RedisKeys.rateLimit(tenant: tenant.id, "\(scope):all"), rate: limits.perTenant, name: "tenant"),
        ]
        if let clientIP {
            buckets.append(
                RateLimiter.Bucket(
                    key: RedisKeys.rateLimit(tenant: tenant.id, "\(scope):ip:\(tagger.tag(address: clientIP))"), rate: limits.perIP,
                    name: "ip"))
        }
        if connection.strategy == .sms {
            guard let country = limits.callingCode(of: recipient.normalized) else { throw Refusal.countryNotAllowed }
            if let cap = limits.countryHourlyCap {
                buckets.append(
                    RateLimiter.Bucket(
                        key: RedisKeys.rateLimit(tenant: tenant.id, "\(scope):country:\(country)"),
                        rate: .init(count: cap, windowSeconds: 3600),
                        name: "country"))
            }
        }
        let replies = try await redis.pipeline([
            RedisCommand("PTTL", RedisKeys.lockout(connection: connection.id, tag: tag)), RateLimiter.command(buckets),
        ])
        if let locked = try replies[0].throwingServerError().int, locked > 0 {
            throw Refusal.lockedOut(retryAfter: Int((locked + 999) / 1000))
        }
        if case .refused(let bucket, let retryAfter) = try RateLimiter.verdict(replies[1], buckets: buckets) {
            throw Refusal.rateLimited(bucket: bucket, retryAfter: retryAfter)
        }
    }

    /// An answer for a user that does not exist where sign-ups are disabled, indistinguishable
    /// from a real one: a stable id of the same shape, and a code record that no code matches, so
    /// wrong codes, the third try and expiry answer as they would for a real person, and the
    /// Redis work (and so the timing) is a real start's less the queued job.
    private func decoy(tenant: Tenant, connection: Connection, recipient: Recipient, clientID: String) async throws -> User {
        try await codes.issueDecoy(
            connection: connection.id, recipient: recipient, clientID: clientID, ttlSeconds: connection.codeTTLSeconds)
        return User(
            id: tagger.decoyUserID(connection: connection.id, recipient: recipient.normalized), tenantID: tenant.id,
            connectionID: connection.id,
            email: connection.strategy == .email ? recipient.normalized : nil,
            phoneNumber: connection.strategy == .sms ? recipient.normalized : nil,
            emailVerified: false, phoneVerified: false)
    }
}

extension LoginStarter.Refusal {
    /// The metric outcome of the refusal.
    public var outcome: CodeRequestOutcome {
        switch self {
        case .rateLimited(let bucket, _): CodeRequestOutcome(rawValue: "rate_limited_\(bucket)") ?? .error
        case .lockedOut: .lockedOut
        case .countryNotAllowed: .countryNotAllowed
        }
    }
}
