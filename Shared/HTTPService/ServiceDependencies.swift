import Logging
import PostgresNIO
import RedisClient
import ServiceLifecycle
import ServiceSettings

/// The PostgreSQL and Redis clients a service shares across its requests and workers.
///
/// Both are `Service`s: ``services`` lists them, with the schema check, in the order the
/// service group must start them (and stop them in reverse, after the HTTP server).
public struct ServiceDependencies: Sendable {
    public let postgres: PostgresClient
    public let redis: RedisClient
    private let logger: Logger

    public init(configuration: ServiceConfiguration, logger: Logger) throws {
        self.postgres = PostgresClient(
            configuration: try configuration.database.clientConfiguration(
                maximumConnections: configuration.databasePoolSize, statementTimeout: configuration.dependencyTimeout,
                connectTimeout: configuration.dependencyTimeout),
            backgroundLogger: logger)
        var redis = configuration.redis
        redis.commandTimeout = configuration.dependencyTimeout
        redis.connectTimeout = configuration.dependencyTimeout
        self.redis = RedisClient(configuration: redis, logger: logger)
        self.logger = logger
    }

    /// The clients and the schema check, to run in the service group before the server.
    public var services: [any Service] {
        [postgres, redis, SchemaCheckService(client: postgres, logger: logger)]
    }

    /// Readiness: both stores answer.
    public var readinessChecks: [ReadinessCheck] {
        [.postgres(postgres), .redis(redis)]
    }
}
