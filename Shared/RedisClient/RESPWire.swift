import CHiredis
import NIOCore

/// hiredis as the RESP codec: its command formatter writes requests, its reader parses replies.
/// The bytes move on NIO channels; hiredis never touches a socket.
enum RESPWire {
    /// Appends `command` to `buffer` in the RESP request format, formatted by
    /// `redisFormatCommandArgv`.
    static func write(_ command: RedisCommand, into buffer: inout ByteBuffer) {
        withArgv(command.arguments) { argc, argv, lengths in
            var target: UnsafeMutablePointer<CChar>?
            let length = redisFormatCommandArgv(&target, argc, argv, lengths)
            guard length > 0, let target else { preconditionFailure("hiredis could not format a command (out of memory)") }
            buffer.writeBytes(UnsafeRawBufferPointer(start: target, count: Int(length)))
            redisFreeCommand(target)
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
        offsets.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
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

    /// A hiredis reader: bytes go in as they arrive, whole replies come out.
    /// Not thread-safe: a channel handler owns it on its event loop.
    final class Reader {
        private let reader: UnsafeMutablePointer<redisReader>

        init() {
            guard let reader = redisReaderCreate() else { preconditionFailure("hiredis could not allocate a reader") }
            self.reader = reader
        }

        deinit { redisReaderFree(reader) }

        /// Feeds the readable bytes of `buffer` to the reader.
        func feed(_ buffer: ByteBuffer) throws(RedisError) {
            let status = buffer.withUnsafeReadableBytes { bytes in
                redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
            }
            if status != REDIS_OK { throw .protocolError(String(cString: phiredis_reader_errstr(reader))) }
        }

        /// The next whole reply, or nil when more bytes are needed.
        func next() throws(RedisError) -> RESPValue? {
            var raw: UnsafeMutableRawPointer?
            guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
                throw .protocolError(String(cString: phiredis_reader_errstr(reader)))
            }
            guard let raw else { return nil }
            defer { freeReplyObject(raw) }
            return RESPWire.value(of: raw.assumingMemoryBound(to: redisReply.self))
        }
    }

    static func value(of reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
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
