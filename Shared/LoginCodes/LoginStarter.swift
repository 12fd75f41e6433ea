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
/// The user comes from the identity cache (``IdentityCache``), read in the limits' round trip:
/// a returning user's start, and on a connection with sign-ups disabled a missing user's too, is
/// two Redis round trips and no PostgreSQL. A miss reads (or upserts) PostgreSQL once and fills it.
///
/// `/passwordless/start` and the seed's `/api/users` both go through here. Every refusal happens
/// before anything is written or queued.
public struct LoginStarter: Sendable {
    /// The users it finds and creates, for the gateway's other writers to share.
    public let users: UserDirectory
    let codes: CodeStore
    let redis: RedisClient
    let jobSeal: SecretBox
    let tagger: RecipientTagger

    public init(postgres: PostgresClient, redis: RedisClient, masterKey: MasterKey, queue: QueueLayout, logger: Logger) {
        users = UserDirectory(postgres: postgres, redis: redis, masterKey: masterKey, logger: logger)
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
        /// Whether the identity came from the cache (`user`'s verified flags are then false:
        /// the cache does not hold them).
        public var cached: Bool
    }

    /// Refusals, all decided before anything is written or queued.
    public enum Refusal: Error, Equatable {
        /// A rate-limit bucket (`recipient`, `ip`, `tenant`, `country`) is empty.
        case rateLimited(bucket: String, retryAfter: Int)
        /// Too many wrong codes for this recipient lately.
        case lockedOut(retryAfter: Int)
        /// The number's country calling code is not on the connection's allow-list.
        case countryNotAllowed
        /// An operator blocked the user. Said even where sign-ups are disabled, as Auth0 does: a
        /// blocked user's start reveals that the user exists.
        case blocked
    }

    /// `link` makes the message carry a sign-in link with the code in it (`send: "link"`), next
    /// to the code. `signupAllowed` overrides the connection's setting (the management API
    /// registers users whatever it says); `verified` marks a user it creates as verified (the
    /// management API's `email_verified`/`phone_verified`).
    public func start(
        tenant: Tenant, connection: Connection, recipient: Recipient, clientID: String, applicationName: String, language: String?,
        clientIP: String?, link: SignInLink? = nil, signupAllowed: Bool? = nil, verified: Bool = false
    ) async throws -> Started {
        let cached = try await checkLimits(tenant: tenant, connection: connection, recipient: recipient, clientIP: clientIP)
        // The management API (`signupAllowed` given) registers users and answers their verified
        // flags, so it always reads PostgreSQL.
        let signup = signupAllowed ?? !connection.disableSignup
        let user: User
        let created: Bool
        var fromCache = false
        switch (signupAllowed == nil ? cached : nil, signup) {
        case (.user(let id, let blocked)?, _):
            (user, created) = (cachedUser(id: id, blocked: blocked, tenant: tenant, connection: connection, recipient: recipient), false)
            fromCache = true
        case (.absent?, false):
            return try await decoy(tenant: tenant, connection: connection, recipient: recipient, clientID: clientID, cached: true)
        case (_, false):
            guard
                let existing = try await users.find(
                    tenantID: tenant.id, connectionID: connection.id, identifier: recipient.normalized, cacheMissing: true)
            else {
                return try await decoy(tenant: tenant, connection: connection, recipient: recipient, clientID: clientID, cached: false)
            }
            (user, created) = (existing, false)
        case (_, true):
            (user, created) = try await users.findOrCreate(
                tenantID: tenant.id, connection: connection, identifier: recipient.normalized, verified: verified)
        }
        if user.blocked { throw Refusal.blocked }
        let code = OneTimeCode.generate(length: connection.codeLength)
        let job = SendJob.make(
            code: code, link: link?.url(code: code), box: jobSeal, tenantID: tenant.id, connectionID: connection.id, clientID: clientID,
            applicationName: applicationName,
            recipient: recipient.normalized, expiresAt: Date().addingTimeInterval(Double(connection.codeTTLSeconds)), language: language)
        try await codes.issue(
            code: code, connection: connection.id, recipient: recipient, userID: user.id, clientID: clientID,
            request: link?.request.binding(clientID: clientID), ttlSeconds: connection.codeTTLSeconds, job: job)
        return Started(user: user, created: created, jobID: job.id, cached: fromCache)
    }

    /// The user a cache hit stands for: its id and blocked flag, the rest from the request.
    private func cachedUser(id: String, blocked: Bool, tenant: Tenant, connection: Connection, recipient: Recipient) -> User {
        User(
            id: id, tenantID: tenant.id, connectionID: connection.id,
            email: connection.strategy == .email ? recipient.normalized : nil,
            phoneNumber: connection.strategy == .sms ? recipient.normalized : nil,
            emailVerified: false, phoneVerified: false, blocked: blocked)
    }

    /// The rate limits and the lockout, in one round trip: the buckets' script and the lockout's
    /// TTL, and with them the recipient's cached identity (nil: not cached).
    func checkLimits(
        tenant: Tenant, connection: Connection, recipient: Recipient, clientIP: String?
    ) async throws -> IdentityCache.Entry? {
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
            IdentityCache.readCommand(RedisKeys.identity(connection: connection.id, tag: tag)),
        ])
        if let locked = try replies[0].throwingServerError().int, locked > 0 {
            throw Refusal.lockedOut(retryAfter: Int((locked + 999) / 1000))
        }
        if case .refused(let bucket, let retryAfter) = try RateLimiter.verdict(replies[1], buckets: buckets) {
            throw Refusal.rateLimited(bucket: bucket, retryAfter: retryAfter)
        }
        let entry = try IdentityCache.entry(from: replies[2])
        IdentityCacheMetrics.count(hit: entry != nil)
        return entry
    }

    /// An answer for a user that does not exist where sign-ups are disabled, indistinguishable
    /// from a real one: a stable id of the same shape, and a code record that no code matches, so
    /// wrong codes, the third try and expiry answer as they would for a real person, and the
    /// Redis work (and so the timing) is a real start's less the queued job.
    private func decoy(
        tenant: Tenant, connection: Connection, recipient: Recipient, clientID: String, cached: Bool
    ) async throws -> Started {
        try await codes.issueDecoy(
            connection: connection.id, recipient: recipient, clientID: clientID, ttlSeconds: connection.codeTTLSeconds)
        let user = User(
            id: tagger.decoyUserID(connection: connection.id, recipient: recipient.normalized), tenantID: tenant.id,
            connectionID: connection.id,
            email: connection.strategy == .email ? recipient.normalized : nil,
            phoneNumber: connection.strategy == .sms ? recipient.normalized : nil,
            emailVerified: false, phoneVerified: false)
        return Started(user: user, created: false, jobID: nil, cached: cached)
    }
}

extension LoginStarter.Refusal {
    /// The metric outcome of the refusal.
    public var outcome: CodeRequestOutcome {
        switch self {
        case .rateLimited(let bucket, _): CodeRequestOutcome(rawValue: "rate_limited_\(bucket)") ?? .error
        case .lockedOut: .lockedOut
        case .countryNotAllowed: .countryNotAllowed
        case .blocked: .blocked
        }
    }
}
