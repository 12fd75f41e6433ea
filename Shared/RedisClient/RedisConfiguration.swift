import Foundation

/// Where and how to reach Redis, parsed from `redis://[:password@]host:port[/db]`.
///
/// The password never appears in `description`, so a configuration can be logged.
public struct RedisConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// How long establishing a TCP connection may take.
    public var connectTimeout: Duration
    /// How long one command (or one pipeline) may wait for its reply.
    public var commandTimeout: Duration
    /// How many connections (each driven by a thread of its own) share the requests.
    public var poolSize: Int

    public init(
        host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0,
        connectTimeout: Duration = .seconds(2), commandTimeout: Duration = .seconds(5), poolSize: Int = 2
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.poolSize = poolSize
    }

    /// Parses a `redis://` URL. Throws ``RedisError/invalidURL(_:)`` naming what is wrong.
    public init(url text: String) throws(RedisError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw .invalidURL("expected redis://[:password@]host:port[/db]")
        }
        guard scheme == "redis" else { throw .invalidURL("the scheme must be redis:// (got \(scheme)://)") }
        guard let host = components.host, !host.isEmpty else { throw .invalidURL("the host is missing") }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else { throw .invalidURL("the port must be between 1 and 65535") }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else { throw .invalidURL("the database must be a number (redis://host:port/0)") }
            database = db
        }
        let user = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding ?? $0 }
        let password = components.password.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding ?? $0 }
        // `redis://secret@host` (no colon) is read as a password, as redis-cli and most clients do.
        self.init(host: host, port: port, username: password == nil ? nil : user, password: password ?? user, database: database)
    }

    public var description: String {
        "redis://\(password == nil ? "" : ":***@")\(host):\(port)/\(database)"
    }
}
