import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PasswordlessCore
import ServiceLifecycle

/// The Redis client every service shares: connections are NIO channels on the process' event
/// loops, hiredis is only the codec, and no call blocks a thread.
///
/// A request (one command or a pipeline) goes to a shared connection; everything submitted to a
/// connection before its next flush goes out in one write, so under load many callers share
/// each round trip (``RedisNodeConnection``). On a Redis Cluster (``RedisRouter``) commands go
/// to the master of their key's slot; a pipeline is split by node, its parts sent at once and
/// the replies put back in the pipeline's order; `MOVED` updates the slot map, `ASK` is
/// followed with `ASKING`, and `TRYAGAIN`, `CLUSTERDOWN` and refused connections (a master that
/// died, before its replica took over) are retried with a short backoff until the command's
/// timeout. Scripts run by `EVALSHA`, falling back to `EVAL` where a node answers `NOSCRIPT`.
/// Blocking commands (`BLMOVE`, `BRPOP`) get connections of their own
/// (``makeBlockingConnection()``).
///
/// The client is a `Service`: run it in the process' `ServiceGroup`, which closes it at shutdown.
/// Nothing starts before `run()` (not even reading the TLS files): calls made earlier wait for
/// it, for at most the command timeout, then fail with ``RedisError/notRunning``.
public final class RedisClient: Service, Sendable, CustomStringConvertible {
    public let configuration: RedisConfiguration
    let router: RedisRouter
    private let logger: Logger
    private let gate = StartGate()
    private let blockingConnections = NIOLockedValueBox<[ObjectIdentifier: RedisBlockingConnection]>([:])

    /// How many times one command is redirected or retried on a cluster before its error reply
    /// is returned as it is.
    static let maximumAttempts = 16

    public init(configuration: RedisConfiguration, logger: Logger, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.router = RedisRouter(configuration: configuration, group: group)
        self.logger = logger
    }

    /// One line for the service group's logs: where, and how many connections (no password).
    public var description: String {
        "RedisClient(\(configuration.seeds.map(\.description).joined(separator: ",")), pool \(max(1, configuration.poolSize)))"
    }

    /// Loads the TLS files, opens the client to callers, waits for graceful shutdown (or
    /// cancellation, or ``shutdown()``), then closes every connection. Returns at once if the
    /// client was already started or shut down.
    public func run() async throws {
        guard gate.claim() else { return }
        router.prepare(logger: logger)
        guard gate.open() else {  // shut down while starting
            await router.close()
            return
        }
        await gate.waitUntilStopped()
        await shutdown()
    }

    /// Fails the requests still waiting and closes every connection. Idempotent; calls made
    /// afterwards throw ``RedisError/clientClosed``.
    public func shutdown() async {
        _ = gate.close()
        let blocking = blockingConnections.withLockedValue { connections in
            defer { connections = [:] }
            return Array(connections.values)
        }
        for connection in blocking { await connection.close() }
        await router.close()
    }

    // MARK: Commands

    /// Sends one command; an error reply throws ``RedisError/server(_:)``.
    @discardableResult
    public func send(_ command: RedisCommand) async throws(RedisError) -> RESPValue {
        try await pipeline([command])[0].throwingServerError()
    }

    /// Sends one command built from its name and arguments.
    @discardableResult
    public func send(_ name: String, _ arguments: any RedisArgument...) async throws(RedisError) -> RESPValue {
        try await send(RedisCommand(name, arguments: arguments))
    }

    /// Sends the commands in one round trip per node and returns their replies in order, error
    /// replies in place.
    ///
    /// `durable` writes are acknowledged only once `WAIT` saw them reach `REDIS_MIN_REPLICAS`
    /// replicas (one `WAIT` per flush, on each connection that wrote them); otherwise the call
    /// throws ``RedisError/notReplicated(acknowledged:required:)``. Without
    /// `REDIS_MIN_REPLICAS`, `durable` changes nothing.
    public func pipeline(_ commands: [RedisCommand], durable: Bool = false) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let deadline = NIODeadline.now() + TimeAmount(configuration.commandTimeout)
        try await waitUntilRunning(deadline)
        return try await execute(commands, deadline: deadline, durable: durable) { endpoint throws(RedisError) in
            try self.router.pool(endpoint)
        }
    }

    /// Runs a Lua script with `EVALSHA`, loading it with `EVAL` if the server does not know it yet.
    @discardableResult
    public func eval(
        _ script: RedisScript, keys: [any RedisArgument] = [], arguments: [any RedisArgument] = []
    ) async throws(RedisError)
        -> RESPValue
    {
        try await send(.evalsha(script, keys: keys, arguments: arguments))
    }

    /// `PING`, for readiness checks.
    public func ping() async throws(RedisError) {
        let reply = try await send(RedisCommand("PING"))
        guard reply.string == "PONG" else { throw .unexpectedReply("PING answered \(reply)") }
    }

    /// Connections of their own for blocking commands (one per node it talks to). Close it when
    /// done; the client closes those still open when it shuts down.
    public func makeBlockingConnection() -> RedisBlockingConnection {
        let connection = RedisBlockingConnection(client: self)
        blockingConnections.withLockedValue { $0[ObjectIdentifier(connection)] = connection }
        return connection
    }

    func forget(_ connection: RedisBlockingConnection) {
        _ = blockingConnections.withLockedValue { $0.removeValue(forKey: ObjectIdentifier(connection)) }
    }

    /// Whether the client serves a Redis Cluster (learnt on first use; nil before).
    public var isCluster: Bool {
        get async throws(RedisError) {
            try await waitUntilRunning(.now() + TimeAmount(configuration.commandTimeout))
            if case .cluster = try await router.topology() { return true }
            return false
        }
    }

    // MARK: Execution

    func waitUntilRunning(_ deadline: NIODeadline) async throws(RedisError) {
        guard gate.current != .running else { return }
        let remaining = Duration.nanoseconds(max(0, (deadline - .now()).nanoseconds))
        switch await gate.wait(until: .now + remaining) {
        case .running: return
        case .closed: throw .clientClosed
        case .notStarted, .starting: throw .notRunning
        }
    }

    /// Sends `commands` where they belong, through the sinks `sink` gives for each node, and
    /// follows the cluster's redirects and the `NOSCRIPT` fallback until every command has its
    /// reply or the deadline passed.
    func execute(
        _ commands: [RedisCommand], deadline: NIODeadline, durable: Bool,
        sink: (RedisEndpoint) throws(RedisError) -> any RedisRequestSink
    ) async throws(RedisError) -> [RESPValue] {
        switch try await router.topology() {
        case .standalone(let endpoint):
            let node = try sink(endpoint)
            var replies = try await node.roundTrip(commands, deadline: deadline, durable: durable).get()
            let missing = replies.indices.filter { replies[$0].isNoScript && commands[$0].script != nil }
            if !missing.isEmpty {
                let fallbacks = missing.compactMap { commands[$0].evalFallback() }
                let retried = try await node.roundTrip(fallbacks, deadline: deadline, durable: durable).get()
                for (index, reply) in zip(missing, retried) { replies[index] = reply }
            }
            return replies
        case .cluster:
            return try await executeOnCluster(commands, deadline: deadline, durable: durable, sink: sink)
        }
    }

    /// One command of a pipeline on its way through a cluster.
    private struct Routed {
        var index: Int
        var command: RedisCommand
        /// Where a redirect sent it; nil to follow the slot map.
        var target: RedisEndpoint?
        /// Preceded by `ASKING` (an `ASK` redirect).
        var asking = false
        var attempts = 0
    }

    private func executeOnCluster(
        _ commands: [RedisCommand], deadline: NIODeadline, durable: Bool,
        sink: (RedisEndpoint) throws(RedisError) -> any RedisRequestSink
    ) async throws(RedisError) -> [RESPValue] {
        var replies = [RESPValue](repeating: .null, count: commands.count)
        var pending = commands.enumerated().map { Routed(index: $0.offset, command: $0.element) }
        var round = 0
        while !pending.isEmpty {
            round += 1
            guard let map = router.slotMap else { throw .unavailable("the cluster's slot map is unknown") }
            var order: [RedisEndpoint] = []
            var groups: [RedisEndpoint: [Routed]] = [:]
            for routed in pending {
                let endpoint = routed.target ?? map.master(forKey: routed.command.routingKey)
                if groups[endpoint] == nil { order.append(endpoint) }
                groups[endpoint, default: []].append(routed)
            }
            var sinks: [any RedisRequestSink] = []
            for endpoint in order { sinks.append(try sink(endpoint)) }
            let results = await Self.send(
                order.map { groups[$0]! }, through: sinks, deadline: deadline, durable: durable)

            var next: [Routed] = []
            var refresh = false
            var backOff = false
            let retriesLeft = { (routed: Routed) in routed.attempts < Self.maximumAttempts && deadline > .now() }
            for (group, result) in zip(order.map { groups[$0]! }, results) {
                let answers: [RESPValue]
                switch result {
                case .success(let values):
                    answers = values
                case .failure(let error):
                    // Refused before anything was sent (a master that died): safe to send again
                    // once the map names its replacement. Anything else may have run.
                    guard case .connectionFailed = error else { throw error }
                    for var routed in group {
                        routed.attempts += 1
                        routed.target = nil
                        routed.asking = false
                        guard retriesLeft(routed) else { throw error }
                        next.append(routed)
                    }
                    refresh = true
                    backOff = true
                    continue
                }
                var offset = 0
                for var routed in group {
                    if routed.asking { offset += 1 }  // ASKING's +OK
                    let reply = answers[offset]
                    offset += 1
                    routed.attempts += 1
                    routed.asking = false
                    switch ClusterRedirect(reply) {
                    case .moved(let slot, let endpoint):
                        router.learn(slot: slot, movedTo: endpoint)
                        refresh = true
                        routed.target = endpoint
                    case .ask(let endpoint):
                        routed.target = endpoint
                        routed.asking = true
                    case .retry:
                        refresh = true
                        backOff = true
                        routed.target = nil
                    case nil:
                        guard reply.isNoScript, let fallback = routed.command.evalFallback() else {
                            replies[routed.index] = reply
                            continue
                        }
                        // A node without the script (a replica promoted by a failover: scripts
                        // are not replicated) gets its source. `EVAL` never answers `NOSCRIPT`,
                        // so this adds one round at most and does not count against the
                        // redirects, which a failover may have used up.
                        routed.command = fallback
                        if deadline > .now() { next.append(routed) } else { replies[routed.index] = reply }
                        continue
                    }
                    // Out of retries while the cluster still points elsewhere (a failover that
                    // outlasts them): the cluster is unavailable, not the command wrong.
                    guard retriesLeft(routed) else {
                        throw .unavailable("the cluster still redirects the command after \(routed.attempts) attempts")
                    }
                    next.append(routed)
                }
            }
            pending = next
            guard !pending.isEmpty else { break }
            if refresh { await router.refreshSlots() }
            if backOff {
                let pause = min(Int64(10 * round), (deadline - .now()).nanoseconds / 1_000_000)
                if pause > 0 { try? await Task.sleep(for: .milliseconds(pause)) }
            }
        }
        return replies
    }

    /// Sends each group to its sink at once and waits for every answer.
    private static func send(
        _ groups: [[Routed]], through sinks: [any RedisRequestSink], deadline: NIODeadline, durable: Bool
    ) async -> [Result<[RESPValue], RedisError>] {
        let requests = groups.map { group in
            group.flatMap { $0.asking ? [RedisCommand("ASKING"), $0.command] : [$0.command] }
        }
        if requests.count == 1 { return [await sinks[0].roundTrip(requests[0], deadline: deadline, durable: durable)] }
        return await withCheckedContinuation { continuation in
            let collected = NIOLockedValueBox(
                (results: [Result<[RESPValue], RedisError>?](repeating: nil, count: requests.count), left: requests.count))
            for (index, commands) in requests.enumerated() {
                sinks[index].submit(
                    RedisRequest(commands: commands, deadline: deadline, durable: durable) { result in
                        let finished = collected.withLockedValue { collected -> [Result<[RESPValue], RedisError>]? in
                            collected.results[index] = result
                            collected.left -= 1
                            return collected.left == 0 ? collected.results.map { $0! } : nil
                        }
                        if let finished { continuation.resume(returning: finished) }
                    })
            }
        }
    }
}
