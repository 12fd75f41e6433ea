import Crypto

/// A Lua script run with `EVALSHA`, its SHA-1 computed once.
///
/// The server caches scripts by digest; the client sends the digest and falls back to the
/// source only when the server answers `NOSCRIPT`.
public struct RedisScript: Sendable, Equatable {
    public let source: String
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
