import Foundation
import JobQueue
import Testing

/// Every transition of a job's lifecycle, without Redis, a provider or a clock: times are
/// milliseconds chosen here, and the jitter is drawn by the test.
@Suite("JobLifecycle")
struct JobLifecycleTests {
    static let policy = JobLifecycle.Policy(maximumAttempts: 5, retryBase: .seconds(1), retryCap: .seconds(60))
    static let expiry: Int64 = 1_700_000_600_000
    static let now: Int64 = 1_700_000_000_000
    /// The widest wait the jitter allows, or none at all.
    static let widest: @Sendable (ClosedRange<Int64>) -> Int64 = { $0.upperBound }
    static let shortest: @Sendable (ClosedRange<Int64>) -> Int64 = { $0.lowerBound }

    static func job(attempts: Int = 0, expiresAt: Int64 = expiry) -> SendJob {
        SendJob(
            id: "job-1", tenantID: UUID(), connectionID: UUID(), clientID: "web", applicationName: "acme", recipient: "+14155550100",
            sealedCode: "c2VhbGVk", codeExpiresAt: expiresAt, createdAt: now - 1000, attempts: attempts)
    }

    /// A lifecycle whose job was taken at `now` and handed to its provider.
    static func delivering(_ job: SendJob, policy: JobLifecycle.Policy = policy) -> JobLifecycle {
        var lifecycle = JobLifecycle(policy: policy)
        let action = lifecycle.taken(job.encoded(), now: now)
        #expect(action == .deliver(job))
        return lifecycle
    }

    static func attempted(_ job: SendJob) -> SendJob {
        var attempted = job
        attempted.attempts += 1
        return attempted
    }

    // MARK: Taken

    @Test func aLiveJobIsDelivered() {
        let job = Self.job(attempts: 2)
        var lifecycle = JobLifecycle(policy: Self.policy)
        #expect(lifecycle.taken(job.encoded(), now: Self.expiry - 1) == .deliver(job))
    }

    @Test func aJobWhoseCodeExpiredIsBuriedUnsent() {
        let job = Self.job(attempts: 2)
        var lifecycle = JobLifecycle(policy: Self.policy)
        let expected = DeadLetter(job: job, reason: "expired", attempts: 2, lastError: nil, diedAt: Self.expiry)
        #expect(lifecycle.taken(job.encoded(), now: Self.expiry) == .bury(expected, burial: .expired))
    }

    @Test func anUndecodableJobIsBuriedAsAWellFormedDeadLetter() throws {
        var lifecycle = JobLifecycle(policy: Self.policy)
        let action = lifecycle.taken(Array("not a job".utf8), now: Self.now)
        guard case .bury(let letter, let burial) = action else {
            Issue.record("expected a burial, got \(action)")
            return
        }
        #expect(burial == .malformed)
        #expect(letter.job == nil)
        #expect(letter.reason == "malformed" && letter.attempts == 0 && letter.diedAt == Self.now)
        #expect(letter.malformed == DeadLetter.MalformedJob(raw: Array("not a job".utf8)))
        #expect(letter.malformed?.length == 9)
        #expect(letter.malformed?.sha256 == "18d9cbfa949b3708d2fcb590a5e2ed5456bf06811d5df1ccadf3363925984b54")
        #expect(letter.id == "malformed-18d9cbfa949b3708")
        // What the dead-letter list stores decodes again (so `dead list` shows it) and holds no raw bytes.
        let stored = try JSONEncoder().encode(letter)
        #expect(try JSONDecoder().decode(DeadLetter.self, from: stored) == letter)
        #expect(!String(decoding: stored, as: UTF8.self).contains("not a job"))
    }

    @Test func aJobMissingAFieldIsMalformedToo() {
        var lifecycle = JobLifecycle(policy: Self.policy)
        let raw = Array(#"{"reason":"malformed"}"#.utf8)
        guard case .bury(let letter, .malformed) = lifecycle.taken(raw, now: Self.now) else {
            Issue.record("a job without its fields was not buried as malformed")
            return
        }
        #expect(letter.malformed?.length == raw.count)
        #expect(letter.id == "malformed-cb2a3a27fc4afc6c")
    }

    // MARK: Finished

    @Test func aDeliveredJobIsAcknowledged() {
        var lifecycle = Self.delivering(Self.job())
        #expect(lifecycle.finished(.delivered, now: Self.now + 300, draw: Self.widest) == .acknowledge)
    }

    @Test func aPermanentFailureIsBuriedWithTheProvidersReasonAndNeverRetried() {
        let job = Self.job(attempts: 1)
        var lifecycle = Self.delivering(job)
        let reason = "Twilio 21211: invalid number"
        let failure = JobLifecycle.Outcome.failedPermanently(reason: reason, error: "permanent: \(reason)")
        let expected = DeadLetter(
            job: Self.attempted(job), reason: reason, attempts: 2, lastError: "permanent: Twilio 21211: invalid number",
            diedAt: Self.now + 50)
        #expect(
            lifecycle.finished(
                failure, now: Self.now + 50,
                draw: { _ in
                    Issue.record("no jitter for a burial")
                    return 0
                })
                == .bury(expected, burial: .permanent))
    }

    @Test func reasonClassesAreTheMetricsLabels() {
        var lifecycle = Self.delivering(Self.job())
        let action = lifecycle.finished(.failedPermanently(reason: "expired", error: "permanent: expired"), now: Self.now)
        guard case .bury(let letter, let burial) = action else {
            Issue.record("expected a burial, got \(action)")
            return
        }
        #expect(letter.reason == "expired" && burial == .expired)
        let labels = [JobLifecycle.Burial.expired, .exhausted, .permanent, .malformed].map(\.rawValue)
        #expect(labels == ["expired", "exhausted", "permanent", "malformed"])
    }

    @Test func aTemporaryFailureIsRetriedWithBackoff() {
        let job = Self.job()
        var lifecycle = Self.delivering(job)
        var drawn: [ClosedRange<Int64>] = []
        let action = lifecycle.finished(.failedTemporarily(error: "transient: HTTP 503", retryAfter: nil), now: Self.now + 100) { range in
            drawn.append(range)
            return 1234
        }
        // Attempt 1: full jitter over 0…min(cap, base·2¹) = 0…2000 ms.
        #expect(drawn == [0...2000])
        #expect(action == .retry(Self.attempted(job), at: Self.now + 100 + 1234))
    }

    @Test func retryAfterIsAFloorOnTheWait() {
        let job = Self.job(attempts: 2)
        var lifecycle = Self.delivering(job)
        #expect(
            lifecycle.finished(.failedTemporarily(error: "transient: HTTP 429", retryAfter: 7), now: Self.now, draw: Self.shortest)
                == .retry(Self.attempted(job), at: Self.now + 7000))
        // A jitter above the hint wins.
        var other = Self.delivering(job)
        #expect(
            other.finished(.failedTemporarily(error: "transient: HTTP 429", retryAfter: 1), now: Self.now, draw: Self.widest)
                == .retry(Self.attempted(job), at: Self.now + 8000))
    }

    @Test func theBackoffGrowsExponentiallyUpToTheCap() {
        let lifecycle = JobLifecycle(policy: Self.policy)
        let ceilings = (1...8).map { lifecycle.backoff(attempt: $0, retryAfter: nil, draw: Self.widest) }
        #expect(ceilings == [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000])
        // The exponent stops at 20, so a huge attempt count cannot overflow the shift.
        #expect(lifecycle.backoff(attempt: 1000, retryAfter: nil, draw: Self.widest) == 60_000)
        #expect(lifecycle.backoff(attempt: 3, retryAfter: nil, draw: Self.shortest) == 0)
        // Base and cap count whole seconds; a sub-second base leaves a 0…1 ms draw.
        let fast = JobLifecycle(policy: .init(maximumAttempts: 5, retryBase: .milliseconds(500), retryCap: .seconds(4)))
        var drawn: [ClosedRange<Int64>] = []
        _ = fast.backoff(attempt: 3, retryAfter: nil) {
            drawn.append($0)
            return $0.upperBound
        }
        #expect(drawn == [0...1])
        let uncapped = JobLifecycle(policy: .init(maximumAttempts: 5, retryBase: .seconds(2), retryCap: .seconds(3600)))
        #expect(uncapped.backoff(attempt: 20, retryAfter: nil, draw: Self.widest) == 3_600_000)
    }

    @Test func theLastAllowedAttemptIsBuriedAsExhausted() {
        let lastButOne = Self.job(attempts: 3)
        var retried = Self.delivering(lastButOne)
        #expect(
            retried.finished(.failedTemporarily(error: "transient: timed out", retryAfter: nil), now: Self.now, draw: Self.widest)
                == .retry(Self.attempted(lastButOne), at: Self.now + 16_000))

        let last = Self.job(attempts: 4)
        var lifecycle = Self.delivering(last)
        let expected = DeadLetter(
            job: Self.attempted(last), reason: "exhausted", attempts: 5, lastError: "transient: timed out", diedAt: Self.now)
        #expect(
            lifecycle.finished(.failedTemporarily(error: "transient: timed out", retryAfter: nil), now: Self.now, draw: Self.widest)
                == .bury(expected, burial: .exhausted))
    }

    @Test func aRetryDueAtOrAfterTheCodesExpiryIsBuriedAsExpired() {
        // Due exactly at the expiry: too late.
        let job = Self.job(expiresAt: Self.now + 2000)
        var lifecycle = Self.delivering(job)
        let expected = DeadLetter(
            job: Self.attempted(job), reason: "expired", attempts: 1, lastError: "transient: HTTP 503", diedAt: Self.now)
        #expect(
            lifecycle.finished(.failedTemporarily(error: "transient: HTTP 503", retryAfter: nil), now: Self.now, draw: Self.widest)
                == .bury(expected, burial: .expired))
        // One millisecond earlier: still retried.
        var earlier = Self.delivering(job)
        let failure = JobLifecycle.Outcome.failedTemporarily(error: "transient: HTTP 503", retryAfter: nil)
        #expect(
            earlier.finished(failure, now: Self.now, draw: { $0.upperBound - 1 })
                == .retry(Self.attempted(job), at: Self.now + 1999))
        // A Retry-After beyond the expiry buries it whatever the jitter.
        var hinted = Self.delivering(job)
        let hint = JobLifecycle.Outcome.failedTemporarily(error: "transient: HTTP 429", retryAfter: 30)
        guard case .bury(_, .expired) = hinted.finished(hint, now: Self.now, draw: Self.shortest) else {
            Issue.record("a retry after the code's expiry was scheduled")
            return
        }
    }

    // MARK: The send rate

    /// A job the send rate makes wait is not an attempt: it goes back to the schedule as it was,
    /// holding the token reserved for it, due when that token is free.
    @Test func aDeferredJobWaitsUnattemptedWithItsReservedToken() {
        let job = Self.job(attempts: 2)
        var lifecycle = Self.delivering(job)
        var waiting = job
        waiting.sendSlot = Self.now + 200
        #expect(
            lifecycle.finished(.deferred(until: Self.now + 200, reserved: true), now: Self.now) == .postpone(waiting, until: Self.now + 200)
        )
        // Not reserved (Redis could not say): it asks the bucket again when it comes back.
        var unreserved = Self.delivering(job)
        #expect(
            unreserved.finished(.deferred(until: Self.now + 1000, reserved: false), now: Self.now) == .postpone(job, until: Self.now + 1000)
        )
    }

    /// However many times it waits, a deferral never brings a job closer to exhaustion.
    @Test func deferralsDoNotCountTowardsTheMaximumAttempts() {
        let job = Self.job(attempts: Self.policy.maximumAttempts - 1)
        for _ in 0..<10 {
            var lifecycle = Self.delivering(job)
            guard case .postpone(let waiting, _) = lifecycle.finished(.deferred(until: Self.now + 100, reserved: true), now: Self.now)
            else {
                Issue.record("a deferral was not postponed")
                return
            }
            #expect(waiting.attempts == job.attempts)
        }
    }

    /// A token free only at or after the code's expiry is no use: the job dies as expired,
    /// with the attempts it had.
    @Test func aDeferralPastTheCodesExpiryIsBuriedAsExpired() {
        let job = Self.job(attempts: 1, expiresAt: Self.now + 2000)
        var lifecycle = Self.delivering(job)
        let action = lifecycle.finished(.deferred(until: Self.now + 2000, reserved: false), now: Self.now)
        guard case .bury(let letter, .expired) = action else {
            Issue.record("expected an expired burial, got \(action)")
            return
        }
        #expect(letter.attempts == 1 && letter.job?.attempts == 1 && letter.job?.sendSlot == nil)
    }

    /// A job that held a reserved token and then failed at the provider takes a fresh token for
    /// its retry: the reservation was spent on the failed attempt.
    @Test func aRetryGivesUpTheReservedToken() {
        var job = Self.job()
        job.sendSlot = Self.now - 10
        var lifecycle = Self.delivering(job)
        let action = lifecycle.finished(
            .failedTemporarily(error: "transient: HTTP 503", retryAfter: nil), now: Self.now, draw: Self.shortest)
        guard case .retry(let retried, _) = action else {
            Issue.record("expected a retry, got \(action)")
            return
        }
        #expect(retried.sendSlot == nil && retried.attempts == 1)
    }
}
