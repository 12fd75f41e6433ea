import CHiredis
import Foundation

/// One synchronous hiredis connection.
///
/// Every call blocks the calling thread, so it is only ever driven from a thread of the
/// ``RedisClient``'s pool or a ``RedisBlockingConnection``'s own thread, never from an event
/// loop or the cooperative pool. It is not thread-safe: the pool gives it one owner at a time
/// (hence `@unchecked Sendable`, which only allows handing it over between threads).
///
/// After any I/O or protocol error hiredis leaves the context unusable, so the connection marks
/// itself broken and its owner replaces it.
public final class RedisConnection: @unchecked Sendable {
    private var context: UnsafeMutablePointer<redisContext>?
    private let configuration: RedisConfiguration
    /// Set once an I/O, protocol or timeout error left the connection unusable.
    public private(set) var isBroken = false

    /// Connects, authenticates and selects the database, or throws ``RedisError/connectionFailed(_:)``.
    public init(configuration: RedisConfiguration) throws(RedisError) {
        self.configuration = configuration
        guard
            let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), makeTimeval(configuration.connectTimeout))
        else {
            throw .connectionFailed("cannot allocate a connection")
        }
        if context.pointee.err != 0 {
            let message = String(cString: phiredis_errstr(context))
            redisFree(context)
            throw .connectionFailed("\(configuration.host):\(configuration.port): \(message)")
        }
        self.context = context
        redisSetTimeout(context, makeTimeval(configuration.commandTimeout))
        _ = redisEnableKeepAlive(context)

        var setup: [RedisCommand] = []
        if let password = configuration.password {
            setup.append(configuration.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password))
        }
        if configuration.database != 0 { setup.append(RedisCommand("SELECT", configuration.database)) }
        guard !setup.isEmpty else { return }
        do throws(RedisError) {
            for reply in try pipeline(setup) {
                if case .error(let message) = reply { throw .connectionFailed(message) }
            }
        } catch {
            close()
            throw error.isConnectionError ? .connectionFailed(error.description) : error
        }
    }

    deinit { close() }

    /// Frees the hiredis context. Safe to call more than once.
    public func close() {
        if let context { redisFree(context) }
        context = nil
        isBroken = true
    }

    /// Sends the commands in one write and reads their replies in order (one round trip).
    ///
    /// Error replies come back as ``RESPValue/error(_:)`` in their place; an `EVALSHA` that the
    /// server does not know is retried as `EVAL` with the script's source. Connection failures throw.
    public func pipeline(_ commands: [RedisCommand], timeout: Duration? = nil) throws(RedisError) -> [RESPValue] {
        var replies = try roundTrip(commands, timeout: timeout)
        let missing = replies.indices.filter { replies[$0].isNoScript && commands[$0].script != nil }
        if !missing.isEmpty {
            let retried = try roundTrip(missing.compactMap { commands[$0].evalFallback() }, timeout: timeout)
            for (index, reply) in zip(missing, retried) { replies[index] = reply }
        }
        return replies
    }

    /// Sends one command and returns its reply; an error reply throws ``RedisError/server(_:)``.
    public func send(_ command: RedisCommand, timeout: Duration? = nil) throws(RedisError) -> RESPValue {
        try pipeline([command], timeout: timeout)[0].throwingServerError()
    }

    /// Whether the server closed the socket (for example because it restarted) while the
    /// connection sat idle. One non-blocking `recv` with `MSG_PEEK`, no round trip.
    public var peerHasClosed: Bool {
        guard let context, !isBroken else { return true }
        var byte: UInt8 = 0
        let n = recv(context.pointee.fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        if n == 0 { return true }  // orderly shutdown by the server
        if n > 0 { return true }  // unsolicited bytes: the stream is out of step
        return !(errno == EAGAIN || errno == EWOULDBLOCK)
    }

    private func roundTrip(_ commands: [RedisCommand], timeout: Duration?) throws(RedisError) -> [RESPValue] {
        guard let context, !isBroken else { throw .connectionLost("the connection is closed") }
        if let timeout { redisSetTimeout(context, makeTimeval(timeout)) }
        defer { if timeout != nil, let context = self.context { redisSetTimeout(context, makeTimeval(configuration.commandTimeout)) } }

        for command in commands {
            let status = Self.withArgv(command.arguments) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            if status != REDIS_OK { throw fail(context) }
        }
        var replies: [RESPValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            if redisGetReply(context, &raw) != REDIS_OK || raw == nil { throw fail(context) }
            let reply = raw!.assumingMemoryBound(to: redisReply.self)
            replies.append(Self.value(of: reply))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Turns the context's error into a typed error and retires the connection.
    private func fail(_ context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let code = context.pointee.err
        let savedErrno = errno
        let message = String(cString: phiredis_errstr(context))
        close()
        switch code {
        case REDIS_ERR_IO where savedErrno == EAGAIN || savedErrno == EWOULDBLOCK: return .timeout
        case REDIS_ERR_PROTOCOL: return .protocolError(message)
        default: return .connectionLost(message.isEmpty ? "I/O error" : message)
        }
    }

    /// Lays the arguments out in one buffer and calls `body` with hiredis' argv and argvlen.
    private static func withArgv<R>(
        _ arguments: [[UInt8]], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        for argument in arguments {
            offsets.append(buffer.count)
            lengths.append(argument.count)
            buffer.append(contentsOf: argument)
        }
        buffer.append(0)  // never an empty buffer, so the base address exists
        return buffer.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { argvPointer in
                lengths.withUnsafeBufferPointer { lengthPointer in
                    body(Int32(arguments.count), argvPointer.baseAddress!, lengthPointer.baseAddress!)
                }
            }
        }
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulkString(r.str.map { Array(UnsafeRawBufferPointer(start: $0, count: r.len)) } ?? [])
        case REDIS_REPLY_STATUS:
            return .simpleString(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_ERROR:
            return .error(r.str.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: r.len), as: UTF8.self) } ?? "")
        case REDIS_REPLY_INTEGER:
            return .integer(r.integer)
        case REDIS_REPLY_ARRAY:
            guard let elements = r.element else { return .array([]) }
            return .array((0..<r.elements).map { index in elements[index].map(value(of:)) ?? .null })
        default:
            return .null
        }
    }
}

extension RESPValue {
    var isNoScript: Bool {
        if case .error(let message) = self { return message.hasPrefix("NOSCRIPT") }
        return false
    }
}

private func makeTimeval(_ duration: Duration) -> timeval {
    let (seconds, attoseconds) = duration.components
    return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
}
