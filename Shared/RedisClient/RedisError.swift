/// Everything that can go wrong talking to Redis, as a closed set callers can switch over.
///
/// Messages come from hiredis or the server and never include command arguments, so they
/// are safe to log even when a command carried a code or a sealed job.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL in `REDIS_URL` could not be parsed.
    case invalidURL(String)
    /// No connection could be established (refused, unreachable, DNS, AUTH or SELECT refused).
    case connectionFailed(String)
    /// An established connection broke during a command; whether the command ran is unknown.
    case connectionLost(String)
    /// The server did not answer within the command (or connect) timeout.
    case timeout
    /// The server's bytes could not be parsed.
    case protocolError(String)
    /// The server answered with an error reply, for example `WRONGTYPE …` or `NOSCRIPT …`.
    case server(String)
    /// The reply had a different shape from what the caller expected.
    case unexpectedReply(String)
    /// The client was shut down.
    case clientClosed
    /// The client's `run()` had not started within the command timeout (it runs in a service
    /// group, or for a CLI's duration in a task group).
    case notRunning
    /// The server cannot serve the command for now: a cluster without a master for the slot
    /// (`CLUSTERDOWN`), a slot in migration (`TRYAGAIN`) past the retries, a node still loading
    /// or a replica asked to write. The command did not run.
    case unavailable(String)
    /// The writes ran, but `WAIT` saw fewer replicas take them than `REDIS_MIN_REPLICAS` within
    /// `REDIS_WAIT_TIMEOUT`: they may be lost if their master dies now.
    case notReplicated(acknowledged: Int, required: Int)

    public var description: String {
        switch self {
        case .invalidURL(let m): "invalid Redis URL: \(m)"
        case .connectionFailed(let m): "cannot connect to Redis: \(m)"
        case .connectionLost(let m): "connection to Redis lost: \(m)"
        case .timeout: "Redis did not answer in time"
        case .protocolError(let m): "Redis protocol error: \(m)"
        case .server(let m): "Redis error: \(m)"
        case .unexpectedReply(let m): "unexpected Redis reply: \(m)"
        case .clientClosed: "the Redis client is shut down"
        case .notRunning: "the Redis client is not running (its run() has not started)"
        case .unavailable(let m): "Redis is unavailable: \(m)"
        case .notReplicated(let acknowledged, let required):
            "Redis replicated the writes to \(acknowledged) of the \(required) replicas required in time"
        }
    }

    /// Whether the failure was the connection's or the server's state rather than the
    /// command's: the caller may retry once the server is back.
    public var isConnectionError: Bool {
        switch self {
        case .connectionFailed, .connectionLost, .timeout, .protocolError, .notRunning, .unavailable, .notReplicated: true
        default: false
        }
    }

    /// Error replies a cluster client retries after reading the slot map again: a failover or a
    /// resharding under way, a node still loading, a write sent to a former master.
    static let clusterRetryPrefixes = ["TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "LOADING", "READONLY"]

    /// Error replies that say "not now" rather than "wrong": the cluster or node is in a state
    /// that passes (a failover, a resharding, a restart, a busy script, too few replicas).
    static let transientReplyPrefixes = clusterRetryPrefixes + ["BUSY ", "NOREPLICAS"]

    /// Whether an error reply is one of ``transientReplyPrefixes``.
    static func isTransientReply(_ message: String) -> Bool {
        transientReplyPrefixes.contains { message.hasPrefix($0) }
    }
}
