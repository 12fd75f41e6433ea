import NIOConcurrencyHelpers

/// An operation did not finish within its deadline.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "no answer within the deadline" }
}

/// Bounds how long a caller waits for work that might not end by itself soon (a readiness
/// probe stuck on a socket, a pool lease while PostgreSQL is unreachable).
public enum Deadline {
    /// The operation's result, or ``DeadlineExceeded`` once `timeout` has passed, whichever
    /// comes first. The operation is cancelled then, but the caller does not wait for it to
    /// notice: an operation that ignores cancellation finishes on its own later, unobserved.
    public static func run<T: Sendable>(within timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        return try await withCheckedThrowingContinuation { continuation in
            outcome.set(continuation)
            let timer = Task {
                try await Task.sleep(for: timeout)
                outcome.finish(.failure(DeadlineExceeded()))
            }
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                timer.cancel()
                outcome.finish(result)
            }
            outcome.onTimeout { work.cancel() }
        }
    }

    /// Resumes the caller once, with whichever result comes first.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var finished = false
            var cancelWork: (@Sendable () -> Void)?
        }
        private let state = NIOLockedValueBox(State())

        func set(_ continuation: CheckedContinuation<T, any Error>) {
            state.withLockedValue { $0.continuation = continuation }
        }

        /// What to do to the work when the deadline wins.
        func onTimeout(_ cancel: @escaping @Sendable () -> Void) {
            state.withLockedValue { state in
                if !state.finished { state.cancelWork = cancel }
            }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, cancel) = state.withLockedValue { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?) in
                guard !state.finished else { return (nil, nil) }
                state.finished = true
                defer {
                    state.continuation = nil
                    state.cancelWork = nil
                }
                return (state.continuation, state.cancelWork)
            }
            guard let continuation else { return }
            if case .failure(let error) = result, error is DeadlineExceeded { cancel?() }
            continuation.resume(with: result)
        }
    }
}
