import Foundation

/// Redis commands over a plain TCP socket, one connection a call, for the test plumbing (the
/// cluster's control, checks of what a server holds). It does not use the product's Redis
/// client, which is what the tests test.
enum RawRedis {
    /// A RESP2 reply.
    indirect enum Reply: Equatable, Sendable, CustomStringConvertible {
        case simple(String)
        case error(String)
        case integer(Int)
        case bulk([UInt8]?)
        case array([Reply]?)

        var string: String? {
            switch self {
            case .simple(let text): text
            case .bulk(let bytes?): String(decoding: bytes, as: UTF8.self)
            case .integer(let number): String(number)
            default: nil
            }
        }

        var int: Int? {
            switch self {
            case .integer(let number): number
            default: string.flatMap { Int($0) }
            }
        }

        var array: [Reply]? {
            if case .array(let elements?) = self { return elements }
            return nil
        }

        var description: String {
            switch self {
            case .simple(let text): text
            case .error(let text): "(error) \(text)"
            case .integer(let number): "(integer) \(number)"
            case .bulk(nil), .array(nil): "(nil)"
            case .bulk(let bytes?): String(decoding: bytes, as: UTF8.self)
            case .array(let elements?): "[" + elements.map(\.description).joined(separator: ", ") + "]"
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Sends one command to `127.0.0.1:port` and returns its reply; an error reply is thrown.
    @discardableResult
    static func send(port: Int, _ arguments: String..., timeout: Duration = .seconds(5)) throws -> Reply {
        try send(port: port, arguments: arguments, timeout: timeout)
    }

    @discardableResult
    static func send(port: Int, arguments: [String], timeout: Duration = .seconds(5)) throws -> Reply {
        let reply = try exchange(port: port, arguments: arguments, timeout: timeout)
        if case .error(let message) = reply {
            throw Failure(description: "\(arguments.first ?? "") on port \(port): \(message)")
        }
        return reply
    }

    /// The text of a command whose reply is a bulk string (`INFO`, `CLUSTER NODES`, …).
    static func text(port: Int, _ arguments: String..., timeout: Duration = .seconds(5)) throws -> String {
        let reply = try send(port: port, arguments: arguments, timeout: timeout)
        guard let text = reply.string else { throw Failure(description: "\(arguments.joined(separator: " ")) answered \(reply)") }
        return text
    }

    /// `INFO`-style text as a dictionary (`field:value` lines; sections and blanks skipped).
    static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...])
        }
        return fields
    }

    private static func exchange(port: Int, arguments: [String], timeout: Duration) throws -> Reply {
        guard let fd = LoopbackSocket.connect(port: port, timeout: timeout) else {
            throw Failure(description: "cannot connect to 127.0.0.1:\(port) (errno \(errno))")
        }
        defer { close(fd) }

        var request = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            let bytes = Array(argument.utf8)
            request += Array("$\(bytes.count)\r\n".utf8) + bytes + [13, 10]
        }
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else { throw Failure(description: "write to 127.0.0.1:\(port) failed (errno \(errno))") }
            sent += written
        }

        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            var index = 0
            if let reply = try parse(buffer, &index) { return reply }
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else {
                throw Failure(description: "127.0.0.1:\(port) closed the connection or did not answer \(arguments.first ?? "") in time")
            }
            buffer += chunk[..<count]
        }
    }

    /// Parses one reply at `index`, advancing it; nil when the buffer does not hold all of it yet.
    private static func parse(_ buffer: [UInt8], _ index: inout Int) throws -> Reply? {
        guard index < buffer.count else { return nil }
        let type = buffer[index]
        var end = index + 1
        while end + 1 < buffer.count, !(buffer[end] == 13 && buffer[end + 1] == 10) { end += 1 }
        guard end + 1 < buffer.count else { return nil }
        let line = String(decoding: buffer[(index + 1)..<end], as: UTF8.self)
        index = end + 2
        switch type {
        case UInt8(ascii: "+"): return .simple(line)
        case UInt8(ascii: "-"): return .error(line)
        case UInt8(ascii: ":"):
            guard let number = Int(line) else { throw Failure(description: "bad integer reply \(line)") }
            return .integer(number)
        case UInt8(ascii: "$"):
            guard let length = Int(line) else { throw Failure(description: "bad bulk length \(line)") }
            if length < 0 { return .bulk(nil) }
            guard index + length + 2 <= buffer.count else { return nil }
            defer { index += length + 2 }
            return .bulk(Array(buffer[index..<(index + length)]))
        case UInt8(ascii: "*"):
            guard let count = Int(line) else { throw Failure(description: "bad array length \(line)") }
            if count < 0 { return .array(nil) }
            var elements: [Reply] = []
            for _ in 0..<count {
                guard let element = try parse(buffer, &index) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw Failure(description: "unexpected reply type \(type)")
        }
    }
}
