import NIOCore

/// The channel handler of one Redis connection: writes requests, matches replies to them in
/// order, and holds durable writes until their `WAIT` answers.
///
/// Everything happens on the channel's event loop. Requests are written by ``send(_:)``, all of
/// one flush in one buffer; when any of them is durable (and `REDIS_MIN_REPLICAS` is above 0),
/// one `WAIT` follows them, and those requests are answered only when it is, with
/// ``RedisError/notReplicated(acknowledged:required:)`` if too few replicas took the writes.
/// A request still unanswered at its deadline means the server stalled: the connection closes
/// and every request on it fails with ``RedisError/timeout``. A connection that breaks fails
/// every request on it; one that failed is never used again.
final class RedisConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What the next replies answer, in order.
    private enum Entry {
        case request(RedisRequest, replies: [RESPValue])
        case wait(deadline: NIODeadline)
    }

    private let reader = RESPWire.Reader()
    private let minimumReplicas: Int
    private let waitTimeoutMilliseconds: Int64
    private var entries = CircularBuffer<Entry>()
    /// Durable requests answered by the server, waiting for their flush's `WAIT`.
    private var replicating: [(RedisRequest, [RESPValue])] = []
    private var context: ChannelHandlerContext?
    private var failure: RedisError?
    private var timer: Scheduled<Void>?

    init(minimumReplicas: Int, waitTimeout: Duration) {
        self.minimumReplicas = minimumReplicas
        let (seconds, attoseconds) = waitTimeout.components
        self.waitTimeoutMilliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(.connectionLost("the connection was closed"))
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(.connectionLost("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error as? RedisError ?? .connectionLost(String(describing: error)))
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do throws(RedisError) {
            try reader.feed(unwrapInboundIn(data))
            while let reply = try reader.next() { receive(reply) }
        } catch {
            fail(error)
            context.close(promise: nil)
        }
    }

    /// Writes the requests in one buffer and one flush. Must be called on the event loop.
    func send(_ requests: [RedisRequest]) {
        guard let context, failure == nil else {
            // Never written: safe to send again on another connection.
            let error = RedisError.connectionFailed("the connection closed before the request went out")
            for request in requests { request.completion(.failure(error)) }
            return
        }
        guard !requests.isEmpty else { return }
        var buffer = context.channel.allocator.buffer(capacity: 128 * requests.count)
        var durable = false
        var latest = requests[0].deadline
        for request in requests {
            for command in request.commands { RESPWire.write(command, into: &buffer) }
            entries.append(.request(request, replies: []))
            durable = durable || request.durable
            latest = max(latest, request.deadline)
        }
        if durable && minimumReplicas > 0 {
            RESPWire.write(RedisCommand("WAIT", minimumReplicas, waitTimeoutMilliseconds), into: &buffer)
            entries.append(.wait(deadline: latest))
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        armTimer()
    }

    private func receive(_ reply: RESPValue) {
        guard let head = entries.first else {
            fail(.protocolError("a reply nobody asked for"))
            context?.close(promise: nil)
            return
        }
        switch head {
        case .request(let request, var replies):
            replies.append(reply)
            guard replies.count == request.commands.count else {
                entries[entries.startIndex] = .request(request, replies: replies)
                return
            }
            entries.removeFirst()
            if request.durable && minimumReplicas > 0 {
                replicating.append((request, replies))
            } else {
                request.completion(.success(replies))
            }
        case .wait:
            entries.removeFirst()
            let held = replicating
            replicating = []
            let acknowledged = Int(reply.int ?? -1)
            for (request, replies) in held {
                if acknowledged >= minimumReplicas {
                    request.completion(.success(replies))
                } else if case .error(let message) = reply {
                    request.completion(.failure(.unavailable("WAIT failed: \(message)")))
                } else {
                    request.completion(.failure(.notReplicated(acknowledged: max(0, acknowledged), required: minimumReplicas)))
                }
            }
        }
    }

    /// Fails every request on the connection; the connection is not used again.
    private func fail(_ error: RedisError) {
        if failure == nil { failure = error }
        timer?.cancel()
        timer = nil
        let pending = entries
        let held = replicating
        entries.removeAll()
        replicating.removeAll()
        for (request, _) in held { request.completion(.failure(error)) }
        for case .request(let request, _) in pending { request.completion(.failure(error)) }
    }

    /// Watches the oldest unanswered request's deadline (replies come in order, so it is the
    /// one a stalled server holds up first).
    private func armTimer() {
        guard timer == nil, let context, let deadline = entries.first.map(Self.deadline(of:)) else { return }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) { handler.value.timerFired() }
    }

    private func timerFired() {
        timer = nil
        guard let head = entries.first else { return }
        if Self.deadline(of: head) <= .now() {
            fail(.timeout)
            context?.close(promise: nil)
        } else {
            armTimer()
        }
    }

    private static func deadline(of entry: Entry) -> NIODeadline {
        switch entry {
        case .request(let request, _): request.deadline
        case .wait(let deadline): deadline
        }
    }
}
