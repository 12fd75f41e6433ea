/// Whether a provider of one connection is fit to take deliveries, as a pure state machine:
/// time is passed in (milliseconds), nothing is read from a clock, and no I/O happens here.
///
/// - closed: every call goes through. It opens after ``Policy/consecutiveFailures`` transient
///   failures in a row, or when at least ``Policy/minimumCalls`` calls in the last
///   ``Policy/window`` failed at ``Policy/errorRate`` or more (a provider that fails every
///   other call never has a long run of failures, but is not healthy either).
/// - open: calls are refused (the caller sends them elsewhere) for ``Policy/cooldown``.
/// - half-open: after the cool-down, one call (the probe) goes through; its success closes the
///   breaker, its failure opens it for another cool-down. A probe that never reports back (its
///   job was postponed, its dispatcher stopped) is given up after a cool-down, and the next
///   call probes instead.
///
/// Only transient failures (5xx, 429, the network) count: a permanent refusal of one address
/// says the provider is up and answering, so it counts as an answer like a success.
public struct CircuitBreaker: Sendable {
    /// When the breaker opens and how long it stays open.
    public struct Policy: Sendable, Equatable {
        public var consecutiveFailures: Int
        public var errorRate: Double
        /// Milliseconds the error rate is measured over.
        public var window: Int64
        public var minimumCalls: Int
        /// Milliseconds an open breaker refuses calls before it lets a probe through.
        public var cooldown: Int64

        public init(consecutiveFailures: Int, errorRate: Double, window: Int64, minimumCalls: Int, cooldown: Int64) {
            self.consecutiveFailures = consecutiveFailures
            self.errorRate = errorRate
            self.window = window
            self.minimumCalls = minimumCalls
            self.cooldown = cooldown
        }
    }

    public enum State: Sendable, Equatable {
        case closed
        /// Refusing calls until `until`.
        case open(until: Int64)
        /// Waiting for a probe's answer (`probeSince`: when the probe was let through), or for a
        /// call to be the probe (nil).
        case halfOpen(probeSince: Int64?)
    }

    /// The state without its times, for logs and metrics (the gauge's values).
    public enum Phase: Int, Sendable, Comparable {
        case closed = 0, halfOpen = 1, open = 2

        public var name: String {
            switch self {
            case .closed: "closed"
            case .halfOpen: "half-open"
            case .open: "open"
            }
        }

        public static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// What the caller does with one call.
    public enum Decision: Sendable, Equatable {
        /// Call the provider (the breaker is closed).
        case pass
        /// Call the provider: this call tells whether it recovered.
        case probe
        /// Do not call the provider now.
        case refuse
    }

    /// How one call ended, as the breaker counts it.
    public enum Result: Sendable, Equatable {
        /// The provider answered: a success or a permanent refusal.
        case answered
        /// A transient failure: 5xx, 429, a timeout, a refused connection.
        case failedTransiently
    }

    public let policy: Policy
    public private(set) var state = State.closed
    private var failuresInARow = 0
    /// Calls and failures in the closed state, per second of the window (oldest first).
    private var buckets: [(second: Int64, calls: Int, failures: Int)] = []

    public init(policy: Policy) {
        self.policy = policy
    }

    public var phase: Phase {
        switch state {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }

    /// Whether a call may go to the provider at `now`; an open breaker whose cool-down has
    /// passed half-opens here and makes this call its probe.
    public mutating func decide(now: Int64) -> Decision {
        switch state {
        case .closed:
            return .pass
        case .open(let until):
            guard now >= until else { return .refuse }
            state = .halfOpen(probeSince: now)
            return .probe
        case .halfOpen(let probeSince):
            if let probeSince, now - probeSince < policy.cooldown { return .refuse }
            state = .halfOpen(probeSince: now)
            return .probe
        }
    }

    /// Counts how a call ended at `now`. In the half-open state the first answer decides; while
    /// open, the answers of calls let through before it opened change nothing.
    public mutating func record(_ result: Result, now: Int64) {
        switch state {
        case .open:
            return
        case .halfOpen:
            if result == .answered {
                reset()
            } else {
                trip(now: now)
            }
        case .closed:
            count(result, now: now)
            if shouldOpen(now: now) { trip(now: now) }
        }
    }

    private mutating func count(_ result: Result, now: Int64) {
        failuresInARow = result == .failedTransiently ? failuresInARow + 1 : 0
        let second = now / 1000
        let failure = result == .failedTransiently ? 1 : 0
        if let last = buckets.last, last.second == second {
            buckets[buckets.count - 1] = (second, last.calls + 1, last.failures + failure)
        } else {
            buckets.append((second, 1, failure))
        }
        let oldest = (now - policy.window) / 1000
        buckets.removeAll { $0.second <= oldest }
    }

    private func shouldOpen(now: Int64) -> Bool {
        if failuresInARow >= policy.consecutiveFailures { return true }
        let calls = buckets.reduce(0) { $0 + $1.calls }
        let failures = buckets.reduce(0) { $0 + $1.failures }
        return calls >= policy.minimumCalls && Double(failures) >= policy.errorRate * Double(calls)
    }

    private mutating func trip(now: Int64) {
        state = .open(until: now + policy.cooldown)
        failuresInARow = 0
        buckets = []
    }

    private mutating func reset() {
        state = .closed
        failuresInARow = 0
        buckets = []
    }
}
