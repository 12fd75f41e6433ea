import Events
import HTTPService
import Hummingbird
import JobQueue
import Logging
import LoginCodes
import PasswordlessCore
import Prometheus
import ServiceLifecycle
import ServiceSettings
import TenantDirectory
import TokenApp

/// The gateway: the shared stores and probes, `/passwordless/start`, the user-management
/// calls, and the token routes, served in-process (``TokenRoutes``) so that a client needs one
/// base URL and a code exchange costs no second hop; it refuses to run against a queue
/// partitioned otherwise than `QUEUE_PARTITIONS` says.
public enum Gateway: PasswordlessService {
    public static let kind = ServiceKind.gateway

    public static func routes(_ setup: ServiceSetup) -> ServiceApplication.Routes {
        let (configuration, dependencies, logger) = (setup.configuration, setup.dependencies, setup.logger)
        let directory = Directory(postgres: dependencies.postgres, logger: logger)
        let router = setup.router(cors: CORSMiddleware(isKnownOrigin: directory.isKnownWebOrigin))
        let queue = QueueLayout(partitions: configuration.queuePartitions)
        let starter = LoginStarter(
            postgres: dependencies.postgres, redis: dependencies.redis, masterKey: configuration.masterKey, queue: queue, logger: logger)
        let hasher = CredentialHasher(masterKey: configuration.masterKey)
        let events = VerificationEvents(
            emitter: HookEmitter(directory: directory, redis: dependencies.redis, layout: queue, logger: logger),
            masterKey: configuration.masterKey)

        StartController(
            directory: directory, starter: starter, authenticator: ClientAuthenticator(directory: directory, hasher: hasher),
            clientAddress: ClientAddress(trustedProxies: configuration.trustedProxies), publicBaseURL: configuration.publicBaseURL,
            events: events
        ).addRoutes(to: router)
        ManagementController(
            directory: directory, starter: starter, users: starter.users, postgres: dependencies.postgres, hasher: hasher, events: events,
            logger: logger
        ).addRoutes(to: router)
        let tokenWorkers = TokenRoutes.add(to: router, setup: setup, directory: directory)
        OpenAPIDocument.addRoutes(to: router)
        return (router, [QueueLayoutCheck(layout: queue, redis: dependencies.redis, logger: logger)] + tokenWorkers)
    }
}
