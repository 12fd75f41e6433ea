import Delivery
import Testing

/// Every transition of a provider's circuit breaker, without a provider or a clock: times are
/// milliseconds chosen here.
@Suite("CircuitBreaker")
struct CircuitBreakerTests {
    static let policy = CircuitBreaker.Policy(consecutiveFailures: 3, errorRate: 0.5, window: 30_000, minimumCalls: 10, cooldown: 15_000)
    static let start: Int64 = 1_700_000_000_000

    /// A breaker that `failures` transient failures in a row opened at `start`.
    static func opened(policy: CircuitBreaker.Policy = policy) -> CircuitBreaker {
        var breaker = CircuitBreaker(policy: policy)
        for offset in 0..<Int64(policy.consecutiveFailures) { breaker.record(.failedTransiently, now: start + offset) }
        #expect(breaker.state == .open(until: start + Int64(policy.consecutiveFailures) - 1 + policy.cooldown))
        return breaker
    }

    @Test func closedLetsEveryCallThrough() {
        var breaker = CircuitBreaker(policy: Self.policy)
        #expect(breaker.decide(now: Self.start) == .pass)
        breaker.record(.answered, now: Self.start)
        #expect(breaker.decide(now: Self.start + 1) == .pass)
        #expect(breaker.phase == .closed)
    }

    @Test func opensAfterConsecutiveTransientFailures() {
        var breaker = CircuitBreaker(policy: Self.policy)
        breaker.record(.failedTransiently, now: Self.start)
        breaker.record(.failedTransiently, now: Self.start + 1)
        #expect(breaker.phase == .closed)
        breaker.record(.failedTransiently, now: Self.start + 2)
        #expect(breaker.phase == .open)
        #expect(breaker.decide(now: Self.start + 3) == .refuse)
    }

    @Test func anAnswerBreaksTheRunOfFailures() {
        var breaker = CircuitBreaker(policy: Self.policy)
        for (offset, result) in [
            CircuitBreaker.Result.failedTransiently, .failedTransiently, .answered, .failedTransiently, .failedTransiently,
        ]
        .enumerated() {
            breaker.record(result, now: Self.start + Int64(offset))
        }
        #expect(breaker.phase == .closed)
    }

    /// A permanent refusal (an invalid number) is the provider answering: it never opens the
    /// breaker, however many there are.
    @Test func permanentRefusalsDoNotCount() {
        var breaker = CircuitBreaker(policy: Self.policy)
        for offset in 0..<50 { breaker.record(.answered, now: Self.start + Int64(offset)) }
        #expect(breaker.phase == .closed)
    }

    @Test func opensOnTheErrorRateOnceTheWindowHasEnoughCalls() {
        var breaker = CircuitBreaker(policy: Self.policy)
        // Every other call fails: never three in a row, but half of them.
        for index in 0..<9 { breaker.record(index % 2 == 0 ? .failedTransiently : .answered, now: Self.start + Int64(index) * 100) }
        #expect(breaker.phase == .closed, "9 calls are fewer than the minimum of 10")
        breaker.record(.answered, now: Self.start + 900)
        #expect(breaker.phase == .open, "5 failures in 10 calls is the 50 % error rate")
    }

    @Test func callsOutsideTheWindowAreForgotten() {
        var breaker = CircuitBreaker(policy: Self.policy)
        for index in 0..<8 { breaker.record(index % 2 == 0 ? .failedTransiently : .answered, now: Self.start + Int64(index) * 100) }
        // 31 s later the old calls left the window: 4 failures in 4 calls, under the minimum.
        let later = Self.start + 31_000
        breaker.record(.answered, now: later)
        breaker.record(.failedTransiently, now: later + 1)
        breaker.record(.answered, now: later + 2)
        breaker.record(.failedTransiently, now: later + 3)
        #expect(breaker.phase == .closed)
    }

    @Test func staysOpenForTheCooldownThenLetsOneProbeThrough() {
        var breaker = Self.opened()
        let reopen = Self.start + 2 + Self.policy.cooldown
        #expect(breaker.decide(now: reopen - 1) == .refuse)
        #expect(breaker.decide(now: reopen) == .probe)
        #expect(breaker.phase == .halfOpen)
        #expect(breaker.decide(now: reopen + 1) == .refuse, "one probe at a time")
    }

    /// The provider recovered: the probe's success closes the breaker and every call goes
    /// through again.
    @Test func aSuccessfulProbeCloses() {
        var breaker = Self.opened()
        let reopen = Self.start + 2 + Self.policy.cooldown
        #expect(breaker.decide(now: reopen) == .probe)
        breaker.record(.answered, now: reopen + 50)
        #expect(breaker.state == .closed)
        #expect(breaker.decide(now: reopen + 51) == .pass)
        // Closed afresh: the failures before the outage do not count towards the next one.
        breaker.record(.failedTransiently, now: reopen + 60)
        breaker.record(.failedTransiently, now: reopen + 61)
        #expect(breaker.phase == .closed)
    }

    @Test func aFailedProbeOpensForAnotherCooldown() {
        var breaker = Self.opened()
        let reopen = Self.start + 2 + Self.policy.cooldown
        #expect(breaker.decide(now: reopen) == .probe)
        breaker.record(.failedTransiently, now: reopen + 50)
        #expect(breaker.state == .open(until: reopen + 50 + Self.policy.cooldown))
        #expect(breaker.decide(now: reopen + 51) == .refuse)
    }

    /// A probe whose answer never comes (its job was postponed, its dispatcher stopped) does
    /// not keep the breaker half-open for ever: after a cool-down another call probes.
    @Test func aLostProbeIsReplacedAfterACooldown() {
        var breaker = Self.opened()
        let reopen = Self.start + 2 + Self.policy.cooldown
        #expect(breaker.decide(now: reopen) == .probe)
        #expect(breaker.decide(now: reopen + Self.policy.cooldown - 1) == .refuse)
        #expect(breaker.decide(now: reopen + Self.policy.cooldown) == .probe)
    }

    /// Calls let through before the breaker opened may answer after: they change nothing.
    @Test func lateAnswersWhileOpenChangeNothing() {
        var breaker = Self.opened()
        let state = breaker.state
        breaker.record(.answered, now: Self.start + 10)
        breaker.record(.failedTransiently, now: Self.start + 11)
        #expect(breaker.state == state)
    }
}
