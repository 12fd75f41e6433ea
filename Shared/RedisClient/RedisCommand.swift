/// A value that can be sent as one argument of a Redis command.
public protocol RedisArgument: Sendable {
    var redisBytes: [UInt8] { get }
}

extension String: RedisArgument { public var redisBytes: [UInt8] { Array(utf8) } }
extension Substring: RedisArgument { public var redisBytes: [UInt8] { Array(utf8) } }
extension Int: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Int64: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Double: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Array: RedisArgument where Element == UInt8 { public var redisBytes: [UInt8] { self } }

/// One Redis command: its name and arguments as binary-safe byte strings.
///
/// Built with `RedisCommand("SET", key, value, "PX", 600_000)`. A command made by
/// ``evalsha(_:keys:arguments:)`` remembers its script, so that a pipeline can fall back to
/// `EVAL` when the server answers `NOSCRIPT` (after a restart or `SCRIPT FLUSH`).
public struct RedisCommand: Sendable {
    public var arguments: [[UInt8]]
    /// The script behind an `EVALSHA`, for the `NOSCRIPT` fallback.
    public var script: RedisScript?

    public init(_ name: String, _ arguments: any RedisArgument...) {
        self.init(name, arguments: arguments)
    }

    public init(_ name: String, arguments: [any RedisArgument]) {
        self.arguments = [Array(name.utf8)] + arguments.map(\.redisBytes)
        self.script = nil
    }

    /// `EVALSHA sha numkeys keys… args…`, falling back to `EVAL` on `NOSCRIPT`.
    public static func evalsha(_ script: RedisScript, keys: [any RedisArgument], arguments: [any RedisArgument]) -> RedisCommand {
        var command = RedisCommand("EVALSHA", arguments: [script.sha1, keys.count] + keys + arguments)
        command.script = script
        return command
    }

    /// The same call as `EVAL` with the script's source.
    func evalFallback() -> RedisCommand? {
        guard let script else { return nil }
        var command = self
        command.arguments[0] = Array("EVAL".utf8)
        command.arguments[1] = Array(script.source.utf8)
        command.script = nil
        return command
    }

    /// The command's name, for logs (never its arguments, which may carry secrets).
    public var name: String { String(decoding: arguments.first ?? [], as: UTF8.self) }
}
