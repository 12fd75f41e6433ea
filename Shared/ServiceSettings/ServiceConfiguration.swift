import Foundation
import Logging
import Observability
import PasswordlessCore
import PasswordlessStorage
import RedisClient

/// Everything a service reads from its environment and flags, parsed and validated once at
/// start, then passed down explicitly. A service never reads the environment anywhere else.
public struct ServiceConfiguration: Sendable {
    public var database: DatabaseSettings
    public var redis: RedisConfiguration
    public var masterKey: MasterKey
    public var host: String
    public var port: Int
    /// Where `/metrics` is served, apart from the public port; nil serves it on ``port``.
    public var metricsPort: Int?
    /// The base of the sign-in links the gateway emails (`PUBLIC_BASE_URL`); nil builds them on
    /// `https://<tenant domain>`, as Auth0 does.
    public var publicBaseURL: String?
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var databasePoolSize: Int
    /// Earlier master keys, still accepted when opening sealed data (for master-key rotation).
    public var previousMasterKeys: [MasterKey] = []
    /// Proxies whose `auth0-forwarded-for` / `X-Forwarded-For` headers name the client.
    public var trustedProxies: [IPNetwork] = []
    public var dispatcher = DispatcherSettings()
    /// How many partitions the send queue has (`QUEUE_PARTITIONS`); every process must agree,
    /// and the queue in Redis records the number it was made with.
    public var queuePartitions = ServiceConfiguration.defaultQueuePartitions
    /// How long one Redis or PostgreSQL call may take (`DEPENDENCY_TIMEOUT`); past it, the
    /// request answers 503 `temporarily_unavailable`.
    public var dependencyTimeout: Duration = .seconds(2)
    /// How long a client may take to send a request, and to keep an idle connection.
    public var httpTimeouts = HTTPTimeouts()

    public init(
        database: DatabaseSettings, redis: RedisConfiguration, masterKey: MasterKey, host: String = "0.0.0.0", port: Int,
        logLevel: Logger.Level = .info, logFormat: LogFormat = .text,
        databasePoolSize: Int = 20
    ) {
        self.database = database
        self.redis = redis
        self.masterKey = masterKey
        self.host = host
        self.port = port
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.databasePoolSize = databasePoolSize
    }

    /// Parses and validates every setting a service needs; the first problem found throws a
    /// ``ConfigurationError`` that names its setting.
    public init(for kind: ServiceKind, settings: ResolvedSettings) throws(ConfigurationError) {
        let logging = try Self.logging(settings)
        self.init(
            database: try Self.database(settings),
            redis: try Self.redis(settings),
            masterKey: try Self.masterKey(settings),
            host: settings[.host] ?? "0.0.0.0",
            port: try settings.integer(.port, in: 1...65535, default: kind.defaultPort),
            logLevel: logging.level,
            logFormat: logging.format,
            databasePoolSize: try settings.integer(.databasePoolSize, in: 1...500, default: 20)
        )
        if let defaultMetricsPort = kind.defaultMetricsPort {
            metricsPort = try settings.integer(.metricsPort, in: 1...65535, default: defaultMetricsPort)
            if metricsPort == port { throw ConfigurationError(Setting.metricsPort.environmentName, "must differ from PORT") }
        }
        if settings[.publicBaseURL] != nil {
            publicBaseURL = try Self.httpURL(settings, .publicBaseURL, default: "")
        }
        previousMasterKeys = try Self.previousMasterKeys(settings)
        for entry in (settings[.trustedProxies] ?? "").split(separator: ",") {
            guard let network = IPNetwork(String(entry)) else {
                throw ConfigurationError(Setting.trustedProxies.environmentName, "\(entry) is not an IP address or CIDR network")
            }
            trustedProxies.append(network)
        }
        dispatcher = DispatcherSettings(
            concurrency: try settings.integer(.dispatcherConcurrency, in: 1...16384, default: 2048),
            maximumAttempts: try settings.integer(.dispatcherMaxAttempts, in: 1...100, default: 10),
            retryCap: .seconds(try settings.integer(.dispatcherRetryCap, in: 1...3600, default: 60)),
            heartbeatTTL: .seconds(try settings.integer(.dispatcherHeartbeatTTL, in: 2...3600, default: 15)),
            shutdownGrace: .seconds(try settings.integer(.dispatcherShutdownGrace, in: 0...600, default: 10)),
            breaker: BreakerSettings(
                consecutiveFailures: try settings.integer(.dispatcherBreakerFailures, in: 1...10000, default: 5),
                errorRate: try settings.fraction(.dispatcherBreakerErrorRate, in: 0.01...1, default: 0.5),
                window: try settings.seconds(.dispatcherBreakerWindow, in: 1...3600, default: .seconds(30)),
                minimumCalls: try settings.integer(.dispatcherBreakerMinCalls, in: 1...100_000, default: 10),
                cooldown: try settings.seconds(.dispatcherBreakerCooldown, in: 0.1...3600, default: .seconds(15))))
        queuePartitions = try Self.queuePartitions(settings)
        dependencyTimeout = try settings.seconds(.dependencyTimeout, in: 0.1...60, default: .seconds(2))
        httpTimeouts = HTTPTimeouts(
            head: try settings.seconds(.httpHeadTimeout, in: 0.1...3600, default: .seconds(10)),
            body: try settings.seconds(.httpBodyTimeout, in: 0.1...3600, default: .seconds(30)),
            idle: try settings.seconds(.httpIdleTimeout, in: 0.1...3600, default: .seconds(60)))
    }

    /// The default of `QUEUE_PARTITIONS`.
    public static let defaultQueuePartitions = 16

    /// `QUEUE_PARTITIONS`: 1 to 1024.
    public static func queuePartitions(_ settings: ResolvedSettings) throws(ConfigurationError) -> Int {
        try settings.integer(.queuePartitions, in: 1...1024, default: defaultQueuePartitions)
    }

    /// `PASSWORDLESS_PREVIOUS_MASTER_KEYS`, decoded.
    public static func previousMasterKeys(_ settings: ResolvedSettings) throws(ConfigurationError) -> [MasterKey] {
        guard let text = settings[.previousMasterKeys] else { return [] }
        var keys: [MasterKey] = []
        for (index, part) in text.split(separator: ",").enumerated() {
            do {
                keys.append(try MasterKey(base64: String(part)))
            } catch {
                throw ConfigurationError(Setting.previousMasterKeys.environmentName, "key \(index + 1) \(error.description)")
            }
        }
        return keys
    }

    /// `DATABASE_URL`, parsed.
    public static func database(_ settings: ResolvedSettings) throws(ConfigurationError) -> DatabaseSettings {
        do {
            return try DatabaseSettings(url: try settings.required(.databaseURL))
        } catch let error as DatabaseSettingsError {
            throw ConfigurationError(Setting.databaseURL.environmentName, error.description)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(Setting.databaseURL.environmentName, "cannot be parsed")
        }
    }

    /// `REDIS_URL`, `REDIS_POOL_SIZE`, the TLS files, `REDIS_MODE` and the replication
    /// settings, parsed.
    public static func redis(_ settings: ResolvedSettings) throws(ConfigurationError) -> RedisConfiguration {
        var configuration: RedisConfiguration
        do {
            configuration = try RedisConfiguration(url: try settings.required(.redisURL))
        } catch let error as RedisError {
            throw ConfigurationError(Setting.redisURL.environmentName, error.description)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(Setting.redisURL.environmentName, "cannot be parsed")
        }
        configuration.poolSize = try settings.integer(.redisPoolSize, in: 1...256, default: 2)
        let files = RedisTLSFiles(
            caFile: settings[.redisTLSCAFile], certificateFile: settings[.redisTLSCertFile], keyFile: settings[.redisTLSKeyFile])
        if files != RedisTLSFiles() {
            guard configuration.tls != nil else {
                throw ConfigurationError(Setting.redisTLSCAFile.environmentName, "needs a rediss:// REDIS_URL")
            }
            guard (files.certificateFile == nil) == (files.keyFile == nil) else {
                throw ConfigurationError(Setting.redisTLSCertFile.environmentName, "and REDIS_TLS_KEY_FILE go together")
            }
            configuration.tls = files
        }
        if let text = settings[.redisMode] {
            let name = text.lowercased() == "auto" ? "automatic" : text.lowercased()
            guard let mode = RedisMode(rawValue: name) else {
                throw ConfigurationError(Setting.redisMode.environmentName, "must be auto, standalone or cluster")
            }
            configuration.mode = mode
        }
        configuration.minimumReplicas = try settings.integer(.redisMinReplicas, in: 0...16, default: 0)
        configuration.waitTimeout = try settings.seconds(.redisWaitTimeout, in: 0.001...10, default: .milliseconds(500))
        return configuration
    }

    /// `PASSWORDLESS_MASTER_KEY`, decoded.
    public static func masterKey(_ settings: ResolvedSettings) throws(ConfigurationError) -> MasterKey {
        let text = try settings.required(.masterKey)
        do {
            return try MasterKey(base64: text)
        } catch {
            throw ConfigurationError(Setting.masterKey.environmentName, error.description)
        }
    }

    /// `LOG_LEVEL` and `LOG_FORMAT`.
    public static func logging(_ settings: ResolvedSettings) throws(ConfigurationError) -> (level: Logger.Level, format: LogFormat) {
        var level = Logger.Level.info
        if let text = settings[.logLevel] {
            guard let parsed = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError(
                    Setting.logLevel.environmentName, "must be one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
            }
            level = parsed
        }
        var format = LogFormat.text
        if let text = settings[.logFormat] {
            guard let parsed = LogFormat(rawValue: text.lowercased()) else {
                throw ConfigurationError(Setting.logFormat.environmentName, "must be text or json")
            }
            format = parsed
        }
        return (level, format)
    }

    private static func httpURL(
        _ settings: ResolvedSettings, _ setting: Setting, default defaultValue: String
    ) throws(ConfigurationError) -> String {
        guard let text = settings[setting] else { return defaultValue }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else {
            throw ConfigurationError(setting.environmentName, "must be an http:// or https:// URL with a host")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}

/// How a dispatcher delivers: how much at once, how often it retries, how it hands work back.
public struct DispatcherSettings: Sendable, Equatable {
    public var concurrency: Int
    public var maximumAttempts: Int
    public var retryBase: Duration
    public var retryCap: Duration
    public var heartbeatTTL: Duration
    public var shutdownGrace: Duration
    /// When a provider's circuit breaker opens and for how long (the `DISPATCHER_BREAKER_*` settings).
    public var breaker: BreakerSettings

    public init(
        concurrency: Int = 2048, maximumAttempts: Int = 10, retryBase: Duration = .seconds(1), retryCap: Duration = .seconds(60),
        heartbeatTTL: Duration = .seconds(15), shutdownGrace: Duration = .seconds(10), breaker: BreakerSettings = BreakerSettings()
    ) {
        self.concurrency = concurrency
        self.maximumAttempts = maximumAttempts
        self.retryBase = retryBase
        self.retryCap = retryCap
        self.heartbeatTTL = heartbeatTTL
        self.shutdownGrace = shutdownGrace
        self.breaker = breaker
    }
}

/// A dispatcher's circuit breakers (one per connection and provider): they open after
/// `consecutiveFailures` transient failures in a row, or when `errorRate` of at least
/// `minimumCalls` calls within `window` failed, and stay open for `cooldown` before a probe.
public struct BreakerSettings: Sendable, Equatable {
    public var consecutiveFailures: Int
    public var errorRate: Double
    public var window: Duration
    public var minimumCalls: Int
    public var cooldown: Duration

    public init(
        consecutiveFailures: Int = 5, errorRate: Double = 0.5, window: Duration = .seconds(30), minimumCalls: Int = 10,
        cooldown: Duration = .seconds(15)
    ) {
        self.consecutiveFailures = consecutiveFailures
        self.errorRate = errorRate
        self.window = window
        self.minimumCalls = minimumCalls
        self.cooldown = cooldown
    }
}
