import Foundation
import NIOSSL
import PostgresNIO

/// Where and how to reach PostgreSQL, parsed from `postgres://user:pass@host:port/db[?sslmode=…]`.
///
/// `sslmode` is `disable` (the default), `prefer` or `require`, as libpq spells them.
/// The password never appears in `description`.
public struct DatabaseSettings: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable { case disable, prefer, require }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tlsMode: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
    }

    /// Parses the URL, or throws a ``DatabaseSettingsError`` that says what is wrong with it.
    public init(url text: String) throws(DatabaseSettingsError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw DatabaseSettingsError("expected postgres://user:password@host:port/database")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw DatabaseSettingsError("the scheme must be postgres:// (got \(scheme)://)")
        }
        guard let host = components.host, !host.isEmpty else { throw DatabaseSettingsError("the host is missing") }
        guard let user = components.user, !user.isEmpty else { throw DatabaseSettingsError("the user name is missing") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw DatabaseSettingsError("the port must be between 1 and 65535") }
        let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !database.isEmpty else { throw DatabaseSettingsError("the database name is missing (…/passwordless)") }
        var mode = TLSMode.disable
        if let value = components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let parsed = TLSMode(rawValue: value) else {
                throw DatabaseSettingsError("sslmode must be disable, prefer or require (got \(value))")
            }
            mode = parsed
        }
        self.init(
            host: host, port: port, username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database.removingPercentEncoding ?? database, tlsMode: mode)
    }

    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(tlsMode.rawValue)"
    }

    /// The same server, another database (tests create one database per test).
    public func with(database: String) -> DatabaseSettings {
        var copy = self
        copy.database = database
        return copy
    }

    /// The postgres-nio client configuration for these settings.
    ///
    /// With `statementTimeout`, every statement and every lock wait of the client's sessions
    /// ends after that long (`statement_timeout` and `lock_timeout`, sent when connecting), and
    /// connecting may take no longer either; services pass `DEPENDENCY_TIMEOUT`, the admin CLI
    /// (whose migrations may run long) passes none.
    public func clientConfiguration(
        maximumConnections: Int = 20, statementTimeout: Duration? = nil, connectTimeout: Duration = .seconds(5)
    ) throws -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = connectTimeout
        if let statementTimeout {
            let milliseconds = String(
                max(1, statementTimeout.components.seconds * 1000 + statementTimeout.components.attoseconds / 1_000_000_000_000_000))
            configuration.options.additionalStartupParameters = [("statement_timeout", milliseconds), ("lock_timeout", milliseconds)]
        }
        configuration.options.maximumConnections = maximumConnections
        return configuration
    }
}

/// Why a `DATABASE_URL` was refused. Never includes the password.
public struct DatabaseSettingsError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
