import NIOConcurrencyHelpers
import NIOCore

/// Connections of their own for commands that block on the server (`BLMOVE`, `BRPOP`,
/// `BZPOPMIN`): one NIO channel per node it talks to, never shared with other callers.
///
/// A blocking command would hold up every request pipelined behind it on a shared connection, so
/// each blocking consumer gets one of these; on NIO that costs a socket, not a thread. Commands
/// are routed like the client's (by slot on a cluster, following redirects); a broken
/// connection is replaced on the next call. Call ``close()`` when done.
public final class RedisBlockingConnection: Sendable {
    private let client: RedisClient
    private let connections = NIOLockedValueBox<(open: [RedisEndpoint: RedisNodeConnection], closed: Bool)>(([:], false))

    init(client: RedisClient) {
        self.client = client
    }

    /// Sends a command that may block on the server for up to `blockFor`; the reply may take that
    /// long plus the usual command timeout.
    public func send(_ command: RedisCommand, blockFor: Duration) async throws(RedisError) -> RESPValue {
        let deadline = NIODeadline.now() + TimeAmount(blockFor + client.configuration.commandTimeout)
        try await client.waitUntilRunning(.now() + TimeAmount(client.configuration.commandTimeout))
        return try await client.execute([command], deadline: deadline, durable: false) { endpoint throws(RedisError) in
            try self.connection(to: endpoint)
        }[0].throwingServerError()
    }

    private func connection(to endpoint: RedisEndpoint) throws(RedisError) -> RedisNodeConnection {
        enum Found { case open(RedisNodeConnection), missing, closed }
        let found = connections.withLockedValue { state -> Found in
            if state.closed { return .closed }
            return state.open[endpoint].map(Found.open) ?? .missing
        }
        switch found {
        case .open(let connection): return connection
        case .closed: throw .clientClosed
        case .missing:
            // Made outside the lock; one that loses a race never connected, so nothing to close.
            let made = try client.router.dedicatedConnection(endpoint)
            let chosen = connections.withLockedValue { state -> RedisNodeConnection? in
                guard !state.closed else { return nil }
                if let open = state.open[endpoint] { return open }
                state.open[endpoint] = made
                return made
            }
            guard let chosen else { throw .clientClosed }
            return chosen
        }
    }

    /// Closes the connections; a call in progress fails with ``RedisError/clientClosed``.
    public func close() async {
        let open = connections.withLockedValue { state in
            state.closed = true
            defer { state.open = [:] }
            return Array(state.open.values)
        }
        for connection in open { await connection.close() }
        client.forget(self)
    }
}
