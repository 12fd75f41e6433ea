import Logging
import PasswordlessStorage
import PostgresNIO
import ServiceLifecycle

/// Refuses to run a service against a database that `passwordless-admin migrate` has not
/// brought up to this build's schema.
///
/// It waits for PostgreSQL (a database that is still starting is not an error: the service
/// stays up and `/readyz` says 503), and once it answers, a missing migration throws
/// ``SchemaError``, which ends the service group and so the process, with that message.
public struct SchemaCheckService: Service, CustomStringConvertible {
    let migrator: Migrator
    let logger: Logger
    let retryInterval: Duration

    public init(client: PostgresClient, logger: Logger, retryInterval: Duration = .seconds(2)) {
        self.migrator = Migrator(client: client, logger: logger)
        self.logger = logger
        self.retryInterval = retryInterval
    }

    public var description: String { "SchemaCheckService" }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await migrator.ensureCurrent()
                break
            } catch let error as SchemaError {
                throw error
            } catch {
                logger.warning("cannot check the schema yet", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: retryInterval)
            }
        }
        try? await gracefulShutdown()
    }
}
