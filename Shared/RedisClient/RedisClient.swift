import Logging
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// A pool of hiredis connections driven by a dedicated thread pool.
///
/// Each call leases one connection, runs on one of the pool's threads (never on an event loop
/// or the cooperative pool), and returns the connection. Connections are opened lazily up to
/// ``RedisConfiguration/poolSize``; one that broke is dropped and replaced on the next lease,
/// and an idle one whose server went away (a restart) is noticed before use, without a round
/// trip. So the client recovers by itself once Redis is back.
///
/// Several commands that one request needs go in one ``pipeline(_:)``: one lease, one
/// thread hop, one round trip. Blocking commands (`BLMOVE`, `BRPOP`) never go through the
/// pool; they get a ``RedisBlockingConnection`` of their own.
///
/// The client is a `Service`: run it in the process' `ServiceGroup`, which closes it at shutdown.
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    private let threads: NIOThreadPool
    private let state: NIOLockedValueBox<PoolState>
    private let logger: Logger

    public init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.threads = NIOThreadPool(numberOfThreads: max(1, configuration.poolSize))
        self.state = NIOLockedValueBox(PoolState())
        self.logger = logger
        threads.start()
    }

    /// Waits for graceful shutdown, then closes the pool.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Closes idle connections, fails waiting callers and stops the threads. Idempotent.
    public func shutdown() async {
        let (idle, waiters) = state.withLockedValue { state in
            state.closed = true
            defer { state.idle = []; state.waiters = [] }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: RedisError.clientClosed) }
        try? await threads.runIfActive { for connection in idle { connection.close() } }
        try? await threads.shutdownGracefully()
    }

    // MARK: Commands

    /// Sends one command; an error reply throws ``RedisError/server(_:)``.
    @discardableResult
    public func send(_ command: RedisCommand) async throws(RedisError) -> RESPValue {
        try await withConnection { connection throws(RedisError) in try connection.send(command) }
    }

    /// Sends one command built from its name and arguments.
    @discardableResult
    public func send(_ name: String, _ arguments: any RedisArgument...) async throws(RedisError) -> RESPValue {
        try await send(RedisCommand(name, arguments: arguments))
    }

    /// Sends the commands in one round trip and returns their replies in order, error replies in place.
    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        return try await withConnection { connection throws(RedisError) in try connection.pipeline(commands) }
    }

    /// Runs a Lua script with `EVALSHA`, loading it with `EVAL` if the server does not know it yet.
    @discardableResult
    public func eval(_ script: RedisScript, keys: [any RedisArgument] = [], arguments: [any RedisArgument] = []) async throws(RedisError)
        -> RESPValue
    {
        try await send(.evalsha(script, keys: keys, arguments: arguments))
    }

    /// `PING`, for readiness checks.
    public func ping() async throws(RedisError) {
        let reply = try await send(RedisCommand("PING"))
        guard reply.string == "PONG" else { throw .unexpectedReply("PING answered \(reply)") }
    }

    /// Runs `body` with one leased connection on a pool thread. `body` blocks; keep it to Redis I/O.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T) async throws(RedisError) -> T {
        let leased = try await lease()
        let configuration = self.configuration
        let outcome: (Result<T, RedisError>, RedisConnection?)
        do {
            outcome = try await threads.runIfActive { () -> (Result<T, RedisError>, RedisConnection?) in
                var connection: RedisConnection
                do throws(RedisError) {
                    if let leased, !leased.peerHasClosed {
                        connection = leased
                    } else {
                        leased?.close()
                        connection = try RedisConnection(configuration: configuration)
                    }
                } catch {
                    return (.failure(error), nil)
                }
                do throws(RedisError) {
                    return (.success(try body(connection)), connection)
                } catch {
                    return (.failure(error), connection)
                }
            }
        } catch {
            release(leased)
            throw .clientClosed
        }
        release(outcome.1)
        if case .failure(let error) = outcome.0, error.isConnectionError {
            logger.warning("redis connection failed", metadata: ["error": "\(error)"])
        }
        return try outcome.0.get()
    }

    /// A connection of its own for blocking commands, with its own thread.
    public func makeBlockingConnection() -> RedisBlockingConnection {
        RedisBlockingConnection(configuration: configuration, logger: logger)
    }

    // MARK: Pool

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<RedisConnection?, any Error>
    }

    private struct PoolState {
        var idle: [RedisConnection] = []
        /// Connections that exist or are being opened (idle + leased + slots handed out).
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var closed = false
    }

    private enum Lease {
        case ready(RedisConnection?)
        case wait(Int)
        case closed
    }

    /// A pooled connection, or `nil` meaning "a slot is yours: open a connection".
    private func lease() async throws(RedisError) -> RedisConnection? {
        let maximum = max(1, configuration.poolSize)
        let id = state.withLockedValue { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RedisConnection?, any Error>) in
                    let decision = state.withLockedValue { state -> Lease in
                        if state.closed { return .closed }
                        if let connection = state.idle.popLast() { return .ready(connection) }
                        if state.open < maximum {
                            state.open += 1
                            return .ready(nil)
                        }
                        state.waiters.append(Waiter(id: id, continuation: continuation))
                        return .wait(id)
                    }
                    switch decision {
                    case .ready(let connection): continuation.resume(returning: connection)
                    case .closed: continuation.resume(throwing: RedisError.clientClosed)
                    case .wait: break
                    }
                }
            } onCancel: {
                let waiter = state.withLockedValue { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                waiter?.continuation.resume(throwing: CancellationError())
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw .clientClosed
        }
    }

    /// Returns a connection (or, with `nil` or a broken one, its slot) to the pool.
    private func release(_ connection: RedisConnection?) {
        let usable = connection.map { !$0.isBroken } ?? false
        let handoff = state.withLockedValue { state -> (Waiter, RedisConnection?)? in
            if state.closed {
                state.open -= 1
                return nil
            }
            if !state.waiters.isEmpty {
                return (state.waiters.removeFirst(), usable ? connection : nil)
            }
            if usable, let connection {
                state.idle.append(connection)
            } else {
                state.open -= 1
            }
            return nil
        }
        if let (waiter, connection) = handoff {
            waiter.continuation.resume(returning: connection)
        } else if state.withLockedValue({ $0.closed }), usable {
            connection?.close()
        }
    }
}
