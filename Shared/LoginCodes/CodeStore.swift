import Crypto
import Foundation
import JobQueue
import PasswordlessCore
import RedisClient

/// One-time codes in Redis: stored as an HMAC with their expiry, checked by one atomic script.
///
/// A code hash lives an hour past the code's own expiry so that a late attempt is told the code
/// *expired* rather than that it is wrong; the script compares the expiry with Redis' clock.
/// Issuing a code overwrites the hash (the latest code wins, attempts start again) and queues
/// its send job in the same round trip.
public struct CodeStore: Sendable {
    /// Wrong tries a code survives: the third wrong try deletes it.
    public static let maximumAttempts = 3
    /// How long a code hash outlives its code, to tell "expired" from "wrong".
    public static let expiredGrace: Int64 = 3_600_000

    let redis: RedisClient
    let macKey: SymmetricKey
    let tagger: RecipientTagger
    /// Where send jobs go; nil for a store that only checks codes (the token service).
    let queue: QueueLayout?

    public init(redis: RedisClient, masterKey: MasterKey, queue: QueueLayout? = nil) {
        self.redis = redis
        self.macKey = masterKey.key(for: .codeMAC)
        self.tagger = RecipientTagger(masterKey: masterKey)
        self.queue = queue
    }

    /// Stores `code` for the recipient (replacing any earlier one, also one stored under a
    /// pre-upgrade key) and enqueues `job`.
    ///
    /// The code is bound to `clientID`, the client that asked: only that client redeems it. A
    /// sign-in link's code is also bound to `request`, the ``AuthorizationRequest/binding(clientID:)``
    /// checked when the link was sent, so a link altered afterwards (another PKCE challenge,
    /// another response type) finds no code; typed, the same code still works.
    public func issue(
        code: String, connection: UUID, recipient: Recipient, userID: String, clientID: String, request: String? = nil,
        ttlSeconds: Int, job: SendJob?
    ) async throws(RedisError) {
        let mac = OneTimeCode.mac(code, connection: connection, recipient: recipient.normalized, key: macKey)
        let record = Record(mac: mac, userID: userID, clientID: clientID, request: request ?? "")
        try await store(record, connection: connection, recipient: recipient, ttlSeconds: ttlSeconds, job: job)
    }

    /// Stores a code record that no code matches, for someone who does not exist (sign-ups
    /// disabled): wrong codes, the third try and expiry then answer exactly as for a real person,
    /// and the Redis work is the same as a real start's.
    public func issueDecoy(connection: UUID, recipient: Recipient, clientID: String, ttlSeconds: Int) async throws(RedisError) {
        let unmatchable = Hex.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        let record = Record(mac: unmatchable, userID: "", clientID: clientID, request: "")
        try await store(record, connection: connection, recipient: recipient, ttlSeconds: ttlSeconds, job: nil)
    }

    /// The fields of a code hash besides its expiry and attempts.
    private struct Record {
        var mac: String
        var userID: String
        var clientID: String
        var request: String
    }

    private func store(_ record: Record, connection: UUID, recipient: Recipient, ttlSeconds: Int, job: SendJob?) async throws(RedisError) {
        let key = RedisKeys.code(connection: connection, tag: tagger.tag(connection: connection, recipient: recipient.normalized))
        let expiresAt = job?.codeExpiresAt ?? (Date().millisecondsSince1970 + Int64(ttlSeconds) * 1000)
        var commands = [
            RedisCommand(
                "HSET", key, "mac", record.mac, "exp", expiresAt, "attempts", 0, "user", record.userID, "client", record.clientID,
                "request", record.request),
            RedisCommand("PEXPIRE", key, Int64(ttlSeconds) * 1000 + Self.expiredGrace),
            RedisCommand("DEL", RedisKeys.Legacy.code(connection: connection, recipient: recipient.normalized)),
        ]
        if let job {
            guard let queue else { preconditionFailure("a CodeStore that enqueues send jobs needs the queue's layout") }
            // Until this process has seen the queue's partition count recorded as its own, it
            // checks first: a job in a partition no dispatcher serves would never be sent.
            if !queue.isVerified {
                do {
                    try await queue.verify(using: redis)
                } catch let error as RedisError {
                    throw error
                } catch {
                    throw .unexpectedReply("\(error)")
                }
            }
            commands.append(DeliveryQueue.enqueue(job, layout: queue))
        }
        // Durable: with REDIS_MIN_REPLICAS, the start is acknowledged only once replicas have the
        // code and its job, so a master that dies right after cannot take an acknowledged code
        // with it. The decoy's record takes the same path, so it costs the same.
        for reply in try await redis.pipeline(commands, durable: true) { _ = try reply.throwingServerError() }
    }

    /// What a code check found.
    public enum Outcome: Sendable, Equatable {
        /// The code was right; it is now used up (unless it was only checked).
        case verified(userID: String)
        /// Wrong code; `remaining` tries are left on it.
        case wrong(remaining: Int)
        /// Wrong code, and that was the last try: the code is gone.
        case exhausted
        /// The code was right or wrong, but too late: it is gone.
        case expired
        /// No code is waiting (never asked for, already used, replaced or long gone), or the one
        /// waiting is bound to another client or another link.
        case missing
        /// Too many wrong codes for this recipient lately: no check until `retryAfter` seconds pass.
        case locked(retryAfter: Int)
    }

    /// What a check is bound to, and whether it spends a right code.
    struct Binding {
        var clientID: String
        var request: String
        var consume: Bool
    }

    /// Checks `code` atomically: single use, three tries, expiry by Redis' clock, and the
    /// recipient's lockout: wrong codes are counted per recipient, and `limits.lockoutFailures`
    /// of them within the lockout window lock the recipient out (its code is deleted).
    ///
    /// A recipient with no code under its tagged key gets a second check under the pre-upgrade
    /// key (``RedisKeys/Legacy``), so codes sent just before an upgrade still work.
    ///
    /// `clientID` is the client redeeming the code (empty: any, for a check that spends nothing);
    /// `request` the binding of the sign-in link being used (nil for a typed code). A code stored
    /// for another client or another link is `missing` and counts no attempt; codes stored before
    /// clients were recorded are bound to none. With `consume` false a right code stays usable
    /// (`/passwordless/verify`, which auth0.js calls before it opens the link); wrong codes count
    /// exactly as when it is true.
    public func verify(
        code: String, connection: UUID, recipient: Recipient, limits: ConnectionLimits, clientID: String, request: String? = nil,
        consume: Bool = true
    ) async throws(RedisError) -> Outcome {
        try await verifyReadingIdentity(
            code: code, connection: connection, recipient: recipient, limits: limits, clientID: clientID, request: request,
            consume: consume
        ).outcome
    }

    /// ``verify(code:connection:recipient:limits:clientID:request:consume:)``, and in the same
    /// round trip the recipient's cached identity (``IdentityCache``; nil: not cached), so that
    /// checking a right code's user for a block costs no round trip more when the cache has it.
    public func verifyReadingIdentity(
        code: String, connection: UUID, recipient: Recipient, limits: ConnectionLimits, clientID: String, request: String? = nil,
        consume: Bool = true
    ) async throws(RedisError) -> (outcome: Outcome, identity: IdentityCache.Entry?) {
        let tag = tagger.tag(connection: connection, recipient: recipient.normalized)
        let keys = [
            RedisKeys.code(connection: connection, tag: tag), RedisKeys.failures(connection: connection, tag: tag),
            RedisKeys.lockout(connection: connection, tag: tag),
        ]
        let binding = Binding(clientID: clientID, request: request ?? "", consume: consume)
        let (outcome, identity) = try await check(
            code: code, connection: connection, recipient: recipient, limits: limits, binding: binding, keys: keys,
            alongside: IdentityCache.readCommand(RedisKeys.identity(connection: connection, tag: tag)))
        let entry = try identity.flatMap { reply throws(RedisError) in try IdentityCache.entry(from: reply) }
        guard outcome == .missing else { return (outcome, entry) }
        let legacy = [
            RedisKeys.Legacy.code(connection: connection, recipient: recipient.normalized),
            RedisKeys.Legacy.failures(connection: connection, recipient: recipient.normalized),
            RedisKeys.Legacy.lockout(connection: connection, recipient: recipient.normalized),
        ]
        let (legacyOutcome, _) = try await check(
            code: code, connection: connection, recipient: recipient, limits: limits, binding: binding, keys: legacy, alongside: nil)
        return (legacyOutcome, entry)
    }

    /// One run of the verify script, with `alongside` in the same pipeline (its reply returned as is).
    private func check(
        code: String, connection: UUID, recipient: Recipient, limits: ConnectionLimits, binding: Binding, keys: [String],
        alongside: RedisCommand?
    ) async throws(RedisError)
        -> (Outcome, RESPValue?)
    {
        let mac = OneTimeCode.mac(code, connection: connection, recipient: recipient.normalized, key: macKey)
        let script = RedisCommand.evalsha(
            Self.verifyScript, keys: keys,
            arguments: [
                mac, Self.maximumAttempts, limits.lockoutFailures, limits.lockoutWindowSeconds * 1000, limits.lockoutSeconds * 1000,
                binding.consume ? 1 : 0, binding.clientID, binding.request,
            ])
        let replies = try await redis.pipeline(alongside.map { [script, $0] } ?? [script])
        let reply = try replies[0].throwingServerError()
        let other = replies.count > 1 ? replies[1] : nil
        guard let parts = reply.array, let verdict = parts.first?.string else { throw .unexpectedReply("verify script: \(reply)") }
        switch verdict {
        case "ok": return (.verified(userID: parts.count > 1 ? parts[1].string ?? "" : ""), other)
        case "wrong": return (.wrong(remaining: Int(parts.count > 1 ? parts[1].int ?? 0 : 0)), other)
        case "exhausted": return (.exhausted, other)
        case "expired": return (.expired, other)
        case "locked": return (.locked(retryAfter: Int(((parts.count > 1 ? parts[1].int : nil) ?? 1000) + 999) / 1000), other)
        default: return (.missing, other)
        }
    }

    static let verifyScript = RedisScript(
        """
        local locked = redis.call('PTTL', KEYS[3])
        if locked > 0 then return {'locked', locked} end
        local h = redis.call('HMGET', KEYS[1], 'mac', 'exp', 'attempts', 'user', 'client', 'request')
        if not h[1] then return {'missing'} end
        if ARGV[7] ~= '' and h[5] and h[5] ~= '' and h[5] ~= ARGV[7] then return {'missing'} end
        if ARGV[8] ~= '' and h[6] and h[6] ~= '' and h[6] ~= ARGV[8] then return {'missing'} end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        if now >= tonumber(h[2]) then
            redis.call('DEL', KEYS[1])
            return {'expired'}
        end
        if h[1] == ARGV[1] then
            if ARGV[6] == '1' then redis.call('DEL', KEYS[1], KEYS[2]) else redis.call('DEL', KEYS[2]) end
            return {'ok', h[4]}
        end
        local failures = redis.call('INCR', KEYS[2])
        if failures == 1 then redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4])) end
        if failures >= tonumber(ARGV[3]) then
            redis.call('SET', KEYS[3], 1, 'PX', tonumber(ARGV[5]))
            redis.call('DEL', KEYS[1], KEYS[2])
            return {'locked', tonumber(ARGV[5])}
        end
        local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
        local maximum = tonumber(ARGV[2])
        if attempts >= maximum then
            redis.call('DEL', KEYS[1])
            return {'exhausted'}
        end
        return {'wrong', maximum - attempts}
        """)
}

extension CodeStore.Outcome {
    /// A fixed label for logs and the `outcome` of `passwordless_verifications_total` (never the
    /// user id).
    public var label: String {
        switch self {
        case .verified: "verified"
        case .wrong: "wrong"
        case .exhausted: "exhausted"
        case .expired: "expired"
        case .missing: "missing"
        case .locked: "locked"
        }
    }

    /// Every label, as the README documents them (a test compares the two).
    public static let labels = ["verified", "wrong", "exhausted", "expired", "missing", "locked"]
}
