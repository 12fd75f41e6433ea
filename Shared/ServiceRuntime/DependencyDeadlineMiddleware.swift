import Hummingbird
import PasswordlessCore

/// Bounds how long a request may wait for PostgreSQL and Redis altogether: past `budget` it
/// is cancelled and answers 503 `temporarily_unavailable` with `Retry-After`.
///
/// Each Redis command and each PostgreSQL statement or lock wait already ends after
/// `DEPENDENCY_TIMEOUT`; what they cannot bound is the wait for a pooled PostgreSQL connection
/// while the server is unreachable (postgres-nio keeps such requests queued until its circuit
/// breaker trips, a minute later). Cancelling the request ends that wait at once.
///
/// The clock starts once the body is in (it is read here, up to ``RequestFields/limit``): a
/// client that sends its body slowly is bounded by `HTTP_BODY_TIMEOUT`, not by this.
public struct DependencyDeadlineMiddleware<Context: RequestContext>: RouterMiddleware {
    public let budget: Duration

    public init(budget: Duration) {
        self.budget = budget
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        _ = try await request.collectBody(upTo: RequestFields.limit)
        return try await withoutActuallyEscaping(next) { [request] next in
            // The group does not return before both children have, so `next` does not outlive this call.
            let handler = UncheckedHandler(run: next)
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler.run(request, context) }
                group.addTask {
                    try? await Task.sleep(for: budget)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw APIError.unavailable
                }
                return response
            }
        }
    }

    /// The next responder, handed to the child task that runs it (the group keeps it scoped).
    private struct UncheckedHandler: @unchecked Sendable {
        let run: (Request, Context) async throws -> Response
    }
}
