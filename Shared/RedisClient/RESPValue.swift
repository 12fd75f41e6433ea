/// One reply from Redis.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    case bulkString([UInt8])
    case null
    case array([RESPValue])

    /// The reply as text: simple and bulk strings (decoded as UTF-8) and integers.
    public var string: String? {
        switch self {
        case .simpleString(let s): s
        case .bulkString(let b): String(decoding: b, as: UTF8.self)
        case .integer(let i): String(i)
        default: nil
        }
    }

    /// The raw bytes of a bulk or simple string.
    public var bytes: [UInt8]? {
        switch self {
        case .bulkString(let b): b
        case .simpleString(let s): Array(s.utf8)
        default: nil
        }
    }

    /// The reply as an integer: integer replies, and strings holding a decimal number.
    public var int: Int64? {
        switch self {
        case .integer(let i): i
        case .bulkString, .simpleString: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The message of an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// The elements of an array reply.
    public var array: [RESPValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The reply itself, or the server's error reply as a thrown ``RedisError/server(_:)``
    /// (``RedisError/unavailable(_:)`` for replies that say the cluster or node is not ready).
    public func throwingServerError() throws(RedisError) -> RESPValue {
        if case .error(let message) = self {
            throw RedisError.isTransientReply(message) ? .unavailable(message) : .server(message)
        }
        return self
    }
}
