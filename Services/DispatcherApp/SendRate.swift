import Foundation
import JobQueue
import LoginCodes
import PasswordlessCore
import RedisClient

extension RedisKeys {
    /// The send-rate bucket of one connection, shared by every dispatcher: the connection's id,
    /// never a recipient, in a hash tag of its own (the script touches this one key).
    static func sendRate(connection: UUID) -> String {
        "pl:{sendrate:\(connection.uuidString.lowercased())}"
    }
}

/// Provider politeness: a connection's `--send-rate N/SECONDS`, at most N messages per SECONDS
/// through that connection over every dispatcher, because Twilio numbers and SMTP relays have
/// limits of their own.
///
/// The bucket is the gateway's GCRA token bucket (``RateLimiter``, burst N), one key per
/// connection in Redis, taken with one `EVALSHA` before the provider is called. When it has no
/// token, the next free one is reserved for the job and the job waits in the schedule until then
/// (``JobLifecycle/Outcome/deferred(until:reserved:)``): it is not an attempt. Successive jobs
/// so get successive tokens, one emission interval (SECONDS/N) apart, and each is taken once
/// more, when it is due. A job whose code would expire before any token is free takes none.
struct SendRate: Sendable {
    let limiter: RateLimiter

    /// The bucket's name in errors (a fixed string, never data).
    static let bucketName = "send-rate"

    /// Nil when `job` may go to `connection`'s provider now (a token was taken, the job holds a
    /// reserved one, or the connection has no send rate); otherwise the deferral that makes it wait.
    func admit(_ job: SendJob, through connection: Connection, now: Int64) async throws(RedisError) -> JobLifecycle.Outcome? {
        guard let rate = connection.limits.sendRate, job.sendSlot == nil else { return nil }
        let bucket = RateLimiter.Bucket(key: RedisKeys.sendRate(connection: connection.id), rate: rate, name: Self.bucketName)
        switch try await limiter.reserve(bucket, within: job.codeExpiresAt - now) {
        case .now: return nil
        case .reserved(let at): return .deferred(until: at, reserved: true)
        case .refused(let wait): return .deferred(until: now + wait, reserved: false)
        }
    }
}
