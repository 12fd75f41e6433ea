import Foundation

/// Where and how to reach Redis, parsed from
/// `redis[s]://[[user]:password@]host:port[,host:port…][/db]`.
///
/// One or more seed nodes: a single server, or any nodes of a Redis Cluster (the client learns
/// the rest from them). The password never appears in `description`, so a configuration can be
/// logged.
public struct RedisConfiguration: Sendable, Equatable, CustomStringConvertible {
    /// The nodes named in the URL, in order.
    public var seeds: [RedisEndpoint]
    public var username: String?
    public var password: String?
    public var database: Int
    /// Set for `rediss://`: connections are TLS, checked against these files.
    public var tls: RedisTLSFiles?
    /// Whether the server is a cluster: asked of it (`INFO cluster`) unless set (`REDIS_MODE`).
    public var mode: RedisMode
    /// How long establishing a connection (TCP, TLS, `AUTH`) may take.
    public var connectTimeout: Duration
    /// How long one command (or one pipeline) may wait for its reply.
    public var commandTimeout: Duration
    /// How many connections to each node share the requests.
    public var poolSize: Int
    /// Writes made durable (``RedisClient/pipeline(_:durable:)``) are acknowledged only once
    /// `WAIT` saw them reach this many replicas (`REDIS_MIN_REPLICAS`); 0 turns `WAIT` off.
    public var minimumReplicas: Int
    /// How long `WAIT` may wait for the replicas (`REDIS_WAIT_TIMEOUT`).
    public var waitTimeout: Duration

    public init(
        seeds: [RedisEndpoint] = [RedisEndpoint(host: "127.0.0.1", port: 6379)], username: String? = nil, password: String? = nil,
        database: Int = 0, tls: RedisTLSFiles? = nil, mode: RedisMode = .automatic, connectTimeout: Duration = .seconds(2),
        commandTimeout: Duration = .seconds(5), poolSize: Int = 2, minimumReplicas: Int = 0, waitTimeout: Duration = .milliseconds(500)
    ) {
        self.seeds = seeds.isEmpty ? [RedisEndpoint(host: "127.0.0.1", port: 6379)] : seeds
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.mode = mode
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.poolSize = poolSize
        self.minimumReplicas = minimumReplicas
        self.waitTimeout = waitTimeout
    }

    /// The first seed's host.
    public var host: String { seeds[0].host }
    /// The first seed's port.
    public var port: Int { seeds[0].port }

    /// Parses a `redis://` or `rediss://` URL. Throws ``RedisError/invalidURL(_:)`` naming what
    /// is wrong (never the password).
    public init(url text: String) throws(RedisError) {
        let usage = "expected redis[s]://[:password@]host:port[,host:port…][/db]"
        guard let schemeEnd = text.range(of: "://") else { throw .invalidURL(usage) }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis" || scheme == "rediss" else {
            throw .invalidURL("the scheme must be redis:// or rediss:// (got \(scheme)://)")
        }
        var rest = text[schemeEnd.upperBound...]
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                username = Self.decoded(credentials[..<colon])
                password = Self.decoded(credentials[credentials.index(after: colon)...])
            } else {
                // `redis://secret@host` (no colon) is read as a password, as redis-cli and most clients do.
                password = Self.decoded(credentials)
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !path.isEmpty {
                guard let db = Int(path), db >= 0 else { throw .invalidURL("the database must be a number (redis://host:port/0)") }
                database = db
            }
        }
        if rest.contains("?") || rest.contains("#") { throw .invalidURL("query strings and fragments are not supported") }
        let seeds = try rest.split(separator: ",", omittingEmptySubsequences: false).map { part throws(RedisError) in
            try RedisEndpoint(parsing: part)
        }
        self.init(
            seeds: seeds, username: username, password: password, database: database, tls: scheme == "rediss" ? RedisTLSFiles() : nil)
    }

    private static func decoded(_ text: Substring) -> String? {
        text.isEmpty ? nil : text.removingPercentEncoding ?? String(text)
    }

    public var description: String {
        let nodes = seeds.map(\.description).joined(separator: ",")
        return "\(tls == nil ? "redis" : "rediss")://\(password == nil ? "" : ":***@")\(nodes)/\(database)"
    }
}

/// One Redis node's address.
public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host[:port]` or `[v6]:port` (port 6379 when absent).
    init(parsing text: Substring) throws(RedisError) {
        var host = text
        var port = 6379
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { throw .invalidURL("an IPv6 address needs its closing ]") }
            let after = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let number = Int(after.dropFirst()) else { throw .invalidURL("the port must be a number") }
                port = number
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard let number = Int(host[host.index(after: colon)...]) else { throw .invalidURL("the port must be a number") }
            port = number
            host = host[..<colon]
        }
        guard !host.isEmpty else { throw .invalidURL("the host is missing") }
        guard (1...65535).contains(port) else { throw .invalidURL("the port must be between 1 and 65535") }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The files of a TLS connection (`rediss://`): the CA that signs the server's certificate
/// (the system's roots when absent), and the client's own certificate and key when the server
/// asks for one.
public struct RedisTLSFiles: Sendable, Equatable {
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// Whether the client treats the server as one node or as a Redis Cluster.
public enum RedisMode: String, Sendable, Equatable, CaseIterable {
    /// Asks the first seed that answers (`INFO cluster`: `cluster_enabled:1`).
    case automatic
    case standalone
    case cluster
}
