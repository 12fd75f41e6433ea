import NIOConcurrencyHelpers
import ServiceLifecycle

/// Whether a long-lived client's `run()` has started its work, for calls that arrive before.
///
/// Our clients start their threads in `run()`, never in `init` (swift-service-lifecycle,
/// "Adopting ServiceLifecycle in libraries"). A service group starts its services concurrently,
/// so a worker may call a client a moment before the client's `run()` has begun: such calls wait
/// here, but only up to their own deadline, so a client whose `run()` is never called fails them
/// clearly instead of leaving them hanging.
///
/// `notStarted → starting → running → closed`; `closed` is final (a client never restarts), and
/// may be reached from any state.
public final class StartGate: Sendable {
    public enum State: Sendable, Equatable {
        case notStarted
        /// `run()` claimed the start and is starting the threads.
        case starting
        case running
        case closed
    }

    private let state = NIOLockedValueBox(State.notStarted)
    /// Finished by ``close()``, so a running `run()` notices an explicit shutdown.
    private let closed = AsyncStream.makeStream(of: Void.self)

    public init() {}

    public var current: State { state.withLockedValue { $0 } }

    /// `notStarted → starting`: true for the one `run()` that starts the work; false when another
    /// already did, or the client was closed first.
    public func claim() -> Bool {
        state.withLockedValue { state in
            guard state == .notStarted else { return false }
            state = .starting
            return true
        }
    }

    /// `starting → running`: false when the client was closed while starting (then `run()`
    /// stops what it started).
    public func open() -> Bool {
        state.withLockedValue { state in
            guard state == .starting else { return false }
            state = .running
            return true
        }
    }

    /// Closes the gate for good; returns the state it was in.
    @discardableResult
    public func close() -> State {
        let previous = state.withLockedValue { state in
            defer { state = .closed }
            return state
        }
        closed.continuation.finish()
        return previous
    }

    /// The body of a client's `run()` once its work has started: returns when graceful shutdown
    /// begins, the task is cancelled, or the gate is closed (an explicit `shutdown()`).
    public func waitUntilStopped() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await gracefulShutdown() }
            group.addTask { [closed] in for await _ in closed.stream {} }
            await group.next()
            group.cancelAll()
        }
    }

    /// Waits while the work has not started, until `deadline` (or the task's cancellation);
    /// returns the state then: `running`, `closed`, or still `notStarted`/`starting` on timeout.
    public func wait(until deadline: ContinuousClock.Instant) async -> State {
        var pause = Duration.milliseconds(1)
        while true {
            let now = current
            guard now == .notStarted || now == .starting, ContinuousClock.now < deadline, !Task.isCancelled else { return now }
            try? await Task.sleep(for: min(pause, ContinuousClock.now.duration(to: deadline)))
            pause = min(pause * 2, .milliseconds(20))
        }
    }
}
