import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PasswordlessCore
import ServiceLifecycle

/// A pool of hiredis connections, each driven by a thread of its own, sharing one queue of
/// requests.
///
/// Callers never block: a request (one command or a pipeline) joins the queue and its task
/// suspends. A connection's thread takes *every* request waiting (up to ``maximumBatch``
/// commands), writes them in one go and reads the replies in one round trip, then resumes each
/// caller with its own replies. Under load many requests share each round trip, so the cost of
/// waking a thread and of the socket calls is paid once per batch rather than once per request;
/// when idle, a request still goes out at once. Few connections make big batches: on the 2-core
/// benchmark machine two of them took a quarter off the gateway's CPU per `/passwordless/start`
/// compared with eight (hence the default of 2).
///
/// Connections are opened lazily, one per thread (``RedisConfiguration/poolSize``). One that
/// broke is dropped and replaced for the next batch, and an idle one whose server went away (a
/// restart) is noticed before use, without a round trip. So the client recovers by itself once
/// Redis is back. Blocking commands (`BLMOVE`, `BRPOP`) never go through the pool; they get a
/// ``RedisBlockingConnection`` of their own.
///
/// The client is a `Service`: run it in the process' `ServiceGroup`, which closes it at shutdown.
/// Nothing starts before `run()`: calls made earlier wait for it, for at most the command
/// timeout, then fail with ``RedisError/notRunning``.
public final class RedisClient: Service, Sendable, CustomStringConvertible {
    public let configuration: RedisConfiguration
    /// The most commands one round trip carries.
    public static let maximumBatch = 256
    private let threads: NIOThreadPool
    private let queue: RequestQueue
    private let logger: Logger
    private let gate = StartGate()
    /// Finished by ``shutdown()``, so that a `run()` outside a service group returns then too.

    public init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.threads = NIOThreadPool(numberOfThreads: max(1, configuration.poolSize))
        self.queue = RequestQueue()
        self.logger = logger
    }

    /// One line for the service group's logs: where, and how many connections (no password).
    public var description: String {
        "RedisClient(\(configuration.host):\(configuration.port), pool \(max(1, configuration.poolSize)))"
    }

    /// Starts the connections' threads, waits for graceful shutdown (or cancellation, or
    /// ``shutdown()``), then closes the pool. Returns at once if the client was already started
    /// or shut down.
    public func run() async throws {
        guard gate.claim() else { return }
        threads.start()
        for _ in 0..<max(1, configuration.poolSize) {
            threads.submit { [queue, configuration, logger] state in
                guard case .active = state else { return }
                Self.work(queue: queue, configuration: configuration, logger: logger)
            }
        }
        guard gate.open() else {  // shut down while starting: nobody else stops the threads
            try? await threads.shutdownGracefully()
            return
        }
        await gate.waitUntilStopped()
        await shutdown()
    }

    /// Fails the requests still waiting, lets the threads finish their batch, closes the
    /// connections and stops the threads. Idempotent; calls made afterwards throw
    /// ``RedisError/clientClosed``.
    public func shutdown() async {
        let previous = gate.close()
        for request in queue.close() { request.finish(.failure(.clientClosed)) }
        if previous == .running { try? await threads.shutdownGracefully() }
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

    /// Sends the commands in one round trip and returns their replies in order, error replies in place.
    public func pipeline(_ commands: [RedisCommand]) async throws(RedisError) -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        let deadline = ContinuousClock.now + configuration.commandTimeout
        if gate.current != .running {
            switch await gate.wait(until: deadline) {
            case .running: break
            case .closed: throw .clientClosed
            case .notStarted, .starting: throw .notRunning
            }
        }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[RESPValue], RedisError>, Never>) in
            let request = Request(commands: commands, deadline: deadline, continuation: continuation)
            if !queue.enqueue(request) { request.finish(.failure(.clientClosed)) }
        }
        return try result.get()
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

    /// A connection of its own for blocking commands, with its own thread.
    public func makeBlockingConnection() -> RedisBlockingConnection {
        RedisBlockingConnection(configuration: configuration, logger: logger)
    }

    // MARK: Workers

    /// One pipeline waiting for its round trip.
    struct Request: Sendable {
        var commands: [RedisCommand]
        /// When the caller stops waiting: the command timeout counts from the call, not from
        /// the moment a worker takes the request, so a stalled server cannot make callers wait
        /// for the batches queued before theirs.
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Result<[RESPValue], RedisError>, Never>

        func finish(_ result: Result<[RESPValue], RedisError>) { continuation.resume(returning: result) }
    }

    /// A worker thread's loop: take what is waiting, send it in one round trip, hand out the
    /// replies; until the client closes. Each worker owns its connection.
    private static func work(queue: RequestQueue, configuration: RedisConfiguration, logger: Logger) {
        var connection: RedisConnection?
        defer { connection?.close() }
        while let taken = queue.takeBatch(maximumCommands: maximumBatch) {
            let now = ContinuousClock.now
            var batch: [Request] = []
            for request in taken {
                if request.deadline > now { batch.append(request) } else { request.finish(.failure(.timeout)) }
            }
            guard let earliest = batch.map(\.deadline).min() else { continue }
            // Only the time the earliest caller has left; the configured timeout when that is
            // most of it (saves two system calls per round trip when nothing is queued up).
            let remaining = max(now.duration(to: earliest), .milliseconds(1))  // 0 would mean no timeout at all
            let timeout: Duration? = remaining < configuration.commandTimeout * 0.9 ? remaining : nil
            do throws(RedisError) {
                if connection == nil || connection!.isBroken || connection!.peerHasClosed {
                    connection?.close()
                    connection = nil
                    connection = try RedisConnection(configuration: configuration)
                }
                let replies = try connection!.pipeline(batch.flatMap(\.commands), timeout: timeout)
                var offset = 0
                for request in batch {
                    request.finish(.success(Array(replies[offset..<(offset + request.commands.count)])))
                    offset += request.commands.count
                }
            } catch {
                if error.isConnectionError { logger.warning("redis connection failed", metadata: ["error": "\(error)"]) }
                if connection?.isBroken ?? false {
                    connection?.close()
                    connection = nil
                }
                for request in batch { request.finish(.failure(error)) }
            }
        }
    }

    /// The requests waiting for a worker, under one lock; workers sleep on its condition.
    final class RequestQueue: @unchecked Sendable {
        private let condition = NSCondition()
        private var waiting = CircularBuffer<Request>()
        private var closed = false

        /// Adds a request and wakes a worker; false once the client is closed.
        func enqueue(_ request: Request) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            guard !closed else { return false }
            waiting.append(request)
            condition.signal()
            return true
        }

        /// Every request waiting, up to `maximumCommands` commands (at least one request);
        /// blocks while there is none; nil once the client is closed.
        func takeBatch(maximumCommands: Int) -> [Request]? {
            condition.lock()
            defer { condition.unlock() }
            while waiting.isEmpty && !closed { condition.wait() }
            guard !waiting.isEmpty else { return nil }
            var batch = [waiting.removeFirst()]
            var commands = batch[0].commands.count
            while let next = waiting.first, commands + next.commands.count <= maximumCommands {
                batch.append(waiting.removeFirst())
                commands += next.commands.count
            }
            return batch
        }

        /// Closes the queue and returns what was still waiting.
        func close() -> [Request] {
            condition.lock()
            defer { condition.unlock() }
            closed = true
            condition.broadcast()
            defer { waiting.removeAll() }
            return Array(waiting)
        }
    }
}
