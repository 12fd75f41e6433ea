import ArgumentParser

/// The command-line options of a service: one `--flag` per ``Setting``, each optional.
///
/// ArgumentParser reads the flags only; ``resolve(for:environment:)`` puts them over the
/// environment (through ``ResolvedSettings``) and validates the result into a
/// ``ServiceConfiguration``. Values are parsed unconditionally, so `--host --port` sets the
/// host to `--port` and leaves the error, if any, to validation.
public struct ServiceOptions: ParsableArguments, Sendable {
    @Option(.databaseURL) var databaseURL: String?
    @Option(.redisURL) var redisURL: String?
    @Option(.masterKey) var masterKey: String?
    @Option(.host) var host: String?
    @Option(.port) var port: String?
    @Option(.metricsPort) var metricsPort: String?
    @Option(.publicBaseURL) var publicBaseURL: String?
    @Option(.logLevel) var logLevel: String?
    @Option(.logFormat) var logFormat: String?
    @Option(.databasePoolSize) var databasePoolSize: String?
    @Option(.redisPoolSize) var redisPoolSize: String?
    @Option(.redisTLSCAFile) var redisTLSCAFile: String?
    @Option(.redisTLSCertFile) var redisTLSCertFile: String?
    @Option(.redisTLSKeyFile) var redisTLSKeyFile: String?
    @Option(.redisMode) var redisMode: String?
    @Option(.redisMinReplicas) var redisMinReplicas: String?
    @Option(.redisWaitTimeout) var redisWaitTimeout: String?
    @Option(.previousMasterKeys) var previousMasterKeys: String?
    @Option(.trustedProxies) var trustedProxies: String?
    @Option(.dispatcherConcurrency) var dispatcherConcurrency: String?
    @Option(.dispatcherMaxAttempts) var dispatcherMaxAttempts: String?
    @Option(.dispatcherRetryCap) var dispatcherRetryCap: String?
    @Option(.dispatcherHeartbeatTTL) var dispatcherHeartbeatTTL: String?
    @Option(.dispatcherShutdownGrace) var dispatcherShutdownGrace: String?
    @Option(.dispatcherBreakerFailures) var dispatcherBreakerFailures: String?
    @Option(.dispatcherBreakerErrorRate) var dispatcherBreakerErrorRate: String?
    @Option(.dispatcherBreakerWindow) var dispatcherBreakerWindow: String?
    @Option(.dispatcherBreakerMinCalls) var dispatcherBreakerMinCalls: String?
    @Option(.dispatcherBreakerCooldown) var dispatcherBreakerCooldown: String?
    @Option(.queuePartitions) var queuePartitions: String?
    @Option(.dependencyTimeout) var dependencyTimeout: String?
    @Option(.httpHeadTimeout) var httpHeadTimeout: String?
    @Option(.httpBodyTimeout) var httpBodyTimeout: String?
    @Option(.httpIdleTimeout) var httpIdleTimeout: String?

    public init() {}

    /// The value given on the command line for `setting`, if any.
    public subscript(_ setting: Setting) -> String? {
        switch setting {
        case .databaseURL: databaseURL
        case .redisURL: redisURL
        case .masterKey: masterKey
        case .host: host
        case .port: port
        case .metricsPort: metricsPort
        case .publicBaseURL: publicBaseURL
        case .logLevel: logLevel
        case .logFormat: logFormat
        case .databasePoolSize: databasePoolSize
        case .redisPoolSize: redisPoolSize
        case .redisTLSCAFile: redisTLSCAFile
        case .redisTLSCertFile: redisTLSCertFile
        case .redisTLSKeyFile: redisTLSKeyFile
        case .redisMode: redisMode
        case .redisMinReplicas: redisMinReplicas
        case .redisWaitTimeout: redisWaitTimeout
        case .previousMasterKeys: previousMasterKeys
        case .trustedProxies: trustedProxies
        case .dispatcherConcurrency: dispatcherConcurrency
        case .dispatcherMaxAttempts: dispatcherMaxAttempts
        case .dispatcherRetryCap: dispatcherRetryCap
        case .dispatcherHeartbeatTTL: dispatcherHeartbeatTTL
        case .dispatcherShutdownGrace: dispatcherShutdownGrace
        case .dispatcherBreakerFailures: dispatcherBreakerFailures
        case .dispatcherBreakerErrorRate: dispatcherBreakerErrorRate
        case .dispatcherBreakerWindow: dispatcherBreakerWindow
        case .dispatcherBreakerMinCalls: dispatcherBreakerMinCalls
        case .dispatcherBreakerCooldown: dispatcherBreakerCooldown
        case .queuePartitions: queuePartitions
        case .dependencyTimeout: dependencyTimeout
        case .httpHeadTimeout: httpHeadTimeout
        case .httpBodyTimeout: httpBodyTimeout
        case .httpIdleTimeout: httpIdleTimeout
        }
    }

    /// Every setting given on the command line, with its value.
    public var flags: [Setting: String] {
        var flags: [Setting: String] = [:]
        for setting in Setting.allCases { flags[setting] = self[setting] }
        return flags
    }

    /// The flags over `environment`, validated: the first problem found throws a
    /// ``ConfigurationError`` that names its environment variable.
    public func resolve(for kind: ServiceKind, environment: [String: String]) throws(ConfigurationError) -> ServiceConfiguration {
        try ServiceConfiguration(for: kind, settings: ResolvedSettings(flags: flags, environment: environment))
    }
}

extension Option where Value == String? {
    /// `@Option(.port)`: the setting's `--flag` and help, with its environment variable as the
    /// value's name (`--port <PORT>`).
    init(_ setting: Setting) {
        self.init(
            name: .customLong(setting.longName), parsing: .unconditional,
            help: ArgumentHelp(setting.help, valueName: setting.environmentName))
    }
}
