import PasswordlessCore
import PostgresNIO
import RedisClient

/// Tells a dependency's failure (PostgreSQL or Redis down, slow, or refusing connections) from
/// a bug, so that the first answers 503 `temporarily_unavailable` and only the second 500.
public enum DependencyFailure {
    /// SQLSTATEs that mean "not now" rather than "wrong": a statement or lock wait cut short
    /// by `statement_timeout` / `lock_timeout` or an operator, a server shutting down or still
    /// starting, too many connections, and every connection exception (class 08).
    static let transientStates: Set<String> = ["57014", "55P03", "57P01", "57P02", "57P03", "53300", "53400"]

    /// Whether `error` says a dependency is unavailable or too slow.
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case let error as RedisError:
            return error.isConnectionError || error == .clientClosed
        case let error as PSQLError:
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .queryCancelled, .poolClosed, .uncleanShutdown:
                return true
            case .server:
                guard let state = error.serverInfo?[.sqlState] else { return false }
                return transientStates.contains(state) || state.hasPrefix("08")
            default:
                return false
            }
        case is DeadlineExceeded:
            return true
        default:
            // The pool's own errors (for example its circuit breaker after failed connection
            // attempts) are of a type postgres-nio does not export.
            return String(reflecting: type(of: error)).hasSuffix("ConnectionPoolError")
        }
    }
}
