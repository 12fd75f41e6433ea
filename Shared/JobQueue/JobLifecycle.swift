/// The life of one job taken from the queue, as a pure state machine: it decides, the worker
/// acts (modelled on postgres-nio's `ConnectionStateMachine`).
///
/// ```
/// taken ──undecodable───────────────────────────────────▶ bury(malformed)
///   │ ───code expired───────────────────────────────────▶ bury(expired)
///   └─▶ deliver(job) ─▶ delivering ─delivered───────────▶ acknowledge
///                            │ ─failed permanently──────▶ bury(permanent: the provider's reason)
///                            │ ─failed temporarily, out of attempts─▶ bury(exhausted)
///                            │ ─failed temporarily, retry due at or after the code's expiry─▶ bury(expired)
///                            │ ─failed temporarily───────▶ retry(job, at: due)
///                            │ ─deferred by the send rate, until at or after the code's expiry─▶ bury(expired)
///                            └─deferred by the send rate─▶ postpone(job, until: due)
/// ```
///
/// A deferral is not an attempt: the connection's send rate (a token bucket shared by every
/// dispatcher) had no token for the job, so the provider was never called. The job goes back to
/// the schedule with its attempts unchanged, due when the bucket has a token for it — reserved
/// for it when the bucket could, so it is then sent without asking again.
///
/// A retry is due after exponential backoff with full jitter: a random wait in
/// `0...min(cap, base·2^attempt)` (at least 1 ms wide), never sooner than the provider's
/// `Retry-After`. Every failed attempt counts, so the job that is retried or buried carries the
/// attempt it just had.
///
/// No I/O, no clock, no randomness of its own: the time comes in with every event (milliseconds
/// since 1970, as jobs store theirs) and the jitter through `draw`. Each instance serves one job.
public struct JobLifecycle: Sendable {
    /// The dispatcher's retry rules (`DISPATCHER_MAX_ATTEMPTS`, `DISPATCHER_RETRY_BASE`,
    /// `DISPATCHER_RETRY_CAP`). Base and cap count whole seconds.
    public struct Policy: Sendable, Equatable {
        public var maximumAttempts: Int
        public var retryBase: Duration
        public var retryCap: Duration

        public init(maximumAttempts: Int, retryBase: Duration, retryCap: Duration) {
            self.maximumAttempts = maximumAttempts
            self.retryBase = retryBase
            self.retryCap = retryCap
        }
    }

    /// How a delivery attempt ended.
    public enum Outcome: Sendable, Equatable {
        case delivered
        /// Worth trying again later (network trouble, 429, 5xx). `error` becomes the dead letter's
        /// last error should the job die; `retryAfter` is the provider's hint, in seconds.
        case failedTemporarily(error: String, retryAfter: Int?)
        /// Will fail the same way again: `reason` is the dead letter's reason, `error` its last error.
        case failedPermanently(reason: String, error: String)
        /// Not attempted: the send rate has no token for the job before `until` (ms since 1970).
        /// `reserved`: the token free then is the job's (so it need not ask again).
        case deferred(until: Int64, reserved: Bool)
    }

    /// What the worker does next with the job, against Redis or the provider.
    public enum Action: Sendable, Equatable {
        /// Send the job's message, then report how it went with ``JobLifecycle/finished(_:now:draw:)``.
        case deliver(SendJob)
        /// Delivered: remove the job from the processing list.
        case acknowledge
        /// Move the job to the retry schedule as `job` (its attempts counted), due `at` (ms since 1970).
        case retry(SendJob, at: Int64)
        /// Move the job to the schedule as `job` (attempts unchanged, the reserved send slot noted),
        /// due `until` (ms since 1970): the send rate made it wait.
        case postpone(SendJob, until: Int64)
        /// Move the job to the dead letters as `letter`; `burial` is its reason class for metrics.
        case bury(DeadLetter, burial: Burial)
    }

    /// Dead letters by reason class, the fixed label set of `passwordless_dead_letters_total`.
    public enum Burial: String, Sendable, Equatable {
        case expired, exhausted, permanent, malformed

        /// The class of a dead letter's reason: `expired` and `exhausted` are their own, every
        /// other reason (a provider's text) is `permanent`.
        init(reason: String) {
            self = [Self.expired, .exhausted].first { $0.rawValue == reason } ?? .permanent
        }
    }

    enum State: Sendable, Equatable {
        /// In the worker's processing list, not looked at yet.
        case taken
        /// Handed to its provider.
        case delivering(SendJob)
        /// Acknowledged, scheduled for a retry or buried: nothing more to decide.
        case settled
    }

    public let policy: Policy
    private(set) var state: State = .taken

    public init(policy: Policy) {
        self.policy = policy
    }

    /// The job's raw entry, just taken from pending at `now`: deliver it, or bury it at once when
    /// it cannot be decoded or its code has already expired.
    public mutating func taken(_ raw: [UInt8], now: Int64) -> Action {
        guard case .taken = state else { preconditionFailure("a job is taken once (state: \(state))") }
        guard let job = try? SendJob.decode(raw) else {
            state = .settled
            return .bury(DeadLetter(malformed: raw, diedAt: now), burial: .malformed)
        }
        guard now < job.codeExpiresAt else {
            state = .settled
            return .bury(DeadLetter(job: job, reason: "expired", attempts: job.attempts, lastError: nil, diedAt: now), burial: .expired)
        }
        state = .delivering(job)
        return .deliver(job)
    }

    /// The delivery attempt ended with `outcome` at `now`. `draw` picks the jitter from a range
    /// (the system's random numbers unless a test fixes them).
    public mutating func finished(
        _ outcome: Outcome, now: Int64, draw: (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }
    ) -> Action {
        guard case .delivering(let job) = state else { preconditionFailure("only a job being delivered finishes (state: \(state))") }
        state = .settled
        if case .deferred(let until, let reserved) = outcome {
            var waiting = job
            waiting.sendSlot = reserved ? until : nil
            guard until < job.codeExpiresAt else {
                waiting.sendSlot = nil
                let error = "the send rate had no token for it before the code expired"
                let letter = DeadLetter(job: waiting, reason: "expired", attempts: job.attempts, lastError: error, diedAt: now)
                return .bury(letter, burial: .expired)
            }
            return .postpone(waiting, until: until)
        }
        var attempted = job
        attempted.attempts += 1
        attempted.sendSlot = nil
        func bury(_ reason: String, lastError: String) -> Action {
            let letter = DeadLetter(job: attempted, reason: reason, attempts: attempted.attempts, lastError: lastError, diedAt: now)
            return .bury(letter, burial: Burial(reason: reason))
        }
        switch outcome {
        case .deferred:
            preconditionFailure("handled above")
        case .delivered:
            return .acknowledge
        case .failedPermanently(let reason, let error):
            return bury(reason, lastError: error)
        case .failedTemporarily(let error, let retryAfter):
            guard attempted.attempts < policy.maximumAttempts else { return bury("exhausted", lastError: error) }
            let due = now + backoff(attempt: attempted.attempts, retryAfter: retryAfter, draw: draw)
            guard due < job.codeExpiresAt else { return bury("expired", lastError: error) }
            return .retry(attempted, at: due)
        }
    }

    /// Milliseconds to wait before retry number `attempt`: exponential backoff with full jitter,
    /// a draw from `0...min(cap, base·2^attempt)` (at least 1 ms wide), never sooner than
    /// `retryAfter` seconds.
    public func backoff(attempt: Int, retryAfter: Int?, draw: (ClosedRange<Int64>) -> Int64 = { Int64.random(in: $0) }) -> Int64 {
        let base = policy.retryBase.components.seconds * 1000
        let cap = policy.retryCap.components.seconds * 1000
        let ceiling = min(cap, base << min(Int64(attempt), 20))
        return max(draw(0...max(1, ceiling)), Int64(retryAfter ?? 0) * 1000)
    }
}
