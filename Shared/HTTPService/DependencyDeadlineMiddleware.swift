import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PasswordlessCore

/// Bounds how long a request may wait for PostgreSQL and Redis altogether: past `budget` its
/// handler is cancelled and the request answers 503 `temporarily_unavailable` with `Retry-After`.
///
/// Each Redis command and each PostgreSQL statement or lock wait already ends after
/// `DEPENDENCY_TIMEOUT`; what they cannot bound is the wait for a pooled PostgreSQL connection
/// while the server is unreachable (postgres-nio keeps such requests queued until its circuit
/// breaker trips, a minute later). Cancelling the handler ends that wait at once.
///
/// The handler runs in one child task, and the deadline is an event-loop timer that cancels that
/// task, so the request's own task (which writes the answer) is never cancelled. A first version
/// raced the handler against a sleeping second child; its task and timer per request cost the
/// token service a fifth of its ES256 rate in the benchmark.
///
/// The clock starts once the body is in (it is read here, up to ``BodyDecoder/limit``): a
/// client that sends its body slowly is bounded by `HTTP_BODY_TIMEOUT`, not by this.
public struct DependencyDeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    public let budget: Duration

    public init(budget: Duration) {
        self.budget = budget
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        _ = try await request.collectBody(upTo: BodyDecoder.limit)
        let watch = Watch()
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(Int64(budget.nanoseconds))) { watch.expire() }
        defer { timer.cancel() }
        return try await withoutActuallyEscaping(next) { [request] next in
            // The group does not return before its child has, so `next` does not outlive this call.
            let handler = UncheckedHandler(run: next)
            return try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask {
                    withUnsafeCurrentTask { task in if let task { watch.arm(task) } }
                    defer { watch.disarm() }
                    return try await handler.run(request, context)
                }
                do {
                    return try await group.next()!
                } catch {
                    if watch.expired { throw APIError.unavailable }
                    throw error
                }
            }
        }
    }

    /// The next responder, handed to the child task that runs it (the group keeps it scoped).
    private struct UncheckedHandler: @unchecked Sendable {
        let run: (Request, Context) async throws -> Response
    }
}

/// The child task a deadline may cancel. The task is only touched under the lock while it is
/// armed, that is while the child is still running, so the unsafe reference never outlives it
/// (hence `@unchecked Sendable`: `UnsafeCurrentTask` is not, and the lock is what makes it safe).
private final class Watch: @unchecked Sendable {
    private struct State {
        var task: UnsafeCurrentTask?
        var expired = false
    }
    private let state = NIOLockedValueBox(State())

    var expired: Bool { state.withLockedValue { $0.expired } }

    func arm(_ task: UnsafeCurrentTask) {
        state.withLockedValue { state in
            if state.expired { task.cancel() } else { state.task = task }
        }
    }

    func disarm() {
        state.withLockedValue { $0.task = nil }
    }

    func expire() {
        state.withLockedValue { state in
            state.expired = true
            state.task?.cancel()
            state.task = nil
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
