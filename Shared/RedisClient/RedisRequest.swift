import NIOCore

/// Commands that travel together on one connection and are answered together, in order.
struct RedisRequest: Sendable {
    var commands: [RedisCommand]
    /// When the caller stops waiting: past it, the connection is deemed stalled and closed.
    var deadline: NIODeadline
    /// Acknowledged only once `WAIT` saw the writes reach `REDIS_MIN_REPLICAS` replicas.
    var durable: Bool
    /// Called exactly once, on the connection's event loop, with every command's reply (error
    /// replies in place) or the connection's failure.
    var completion: @Sendable (Result<[RESPValue], RedisError>) -> Void
}

/// Where requests for one node go: a pool of shared connections, or one connection of its own.
protocol RedisRequestSink: Sendable {
    func submit(_ request: RedisRequest)
}

extension RedisRequestSink {
    /// Submits the commands as one request and waits for their replies.
    func roundTrip(_ commands: [RedisCommand], deadline: NIODeadline, durable: Bool = false) async -> Result<[RESPValue], RedisError> {
        await withCheckedContinuation { continuation in
            submit(RedisRequest(commands: commands, deadline: deadline, durable: durable) { continuation.resume(returning: $0) })
        }
    }
}
