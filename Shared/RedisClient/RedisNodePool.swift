import NIOConcurrencyHelpers
import NIOCore

/// The shared connections to one node: a request joins a flush already scheduled on one of
/// them, else they take requests in turn.
///
/// Few connections make big batches (each flush carries every request waiting for it), so the
/// default is two (`REDIS_POOL_SIZE`), each on its own event loop.
final class RedisNodePool: RedisRequestSink, Sendable {
    let endpoint: RedisEndpoint
    private let connections: [RedisNodeConnection]
    private let turn = NIOLockedValueBox<UInt>(0)

    init(endpoint: RedisEndpoint, size: Int, group: any EventLoopGroup, settings: RedisConnectionSettings) {
        self.endpoint = endpoint
        self.connections = (0..<max(1, size)).map { _ in
            RedisNodeConnection(endpoint: endpoint, eventLoop: group.next(), settings: settings)
        }
    }

    func submit(_ request: RedisRequest) {
        // Join a flush that is about to go rather than wake another event loop for one request.
        if connections.count > 1, let gathering = connections.first(where: \.isGathering) {
            gathering.submit(request)
            return
        }
        let index = turn.withLockedValue { turn in
            turn = turn &+ 1
            return Int(turn % UInt(connections.count))
        }
        connections[index].submit(request)
    }

    func close() async {
        for connection in connections { await connection.close() }
    }
}
