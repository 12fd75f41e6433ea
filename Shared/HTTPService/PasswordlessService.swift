import Hummingbird
import Logging
import Prometheus
import ServiceSettings

/// One of the HTTP services (gateway, token service, dispatcher): its kind and its routes.
///
/// Every service is built the same way, by ``buildApplication(configuration:registry:logger:)``:
/// the shared dependencies, the service's own ``routes(_:)``, and the application around them.
/// `main` and the tests call that one builder, so tests exercise the production wiring.
public protocol PasswordlessService {
    static var kind: ServiceKind { get }

    /// The service's router with every route, and the workers its routes need running (in start
    /// order). Nothing runs until the application's service group does, so a test may call this
    /// only to read `router.routes`.
    static func routes(_ setup: ServiceSetup) throws -> ServiceApplication.Routes
}

extension PasswordlessService {
    /// The application `main` runs and `app.test(.router)` tests. Nothing connects or starts
    /// until it runs.
    public static func buildApplication(
        configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger
    ) throws
        -> some ApplicationProtocol
    {
        let dependencies = try ServiceDependencies(configuration: configuration, logger: logger)
        let setup = ServiceSetup(configuration: configuration, dependencies: dependencies, registry: registry, logger: logger)
        let (router, workers) = try routes(setup)
        return ServiceApplication.make(
            kind, configuration: configuration, dependencies: dependencies, router: router, registry: registry, workers: workers,
            logger: logger)
    }
}

/// What a service's routes are built from.
public struct ServiceSetup: Sendable {
    public var configuration: ServiceConfiguration
    public var dependencies: ServiceDependencies
    public var registry: PrometheusCollectorRegistry
    public var logger: Logger

    public init(
        configuration: ServiceConfiguration, dependencies: ServiceDependencies, registry: PrometheusCollectorRegistry, logger: Logger
    ) {
        self.configuration = configuration
        self.dependencies = dependencies
        self.registry = registry
        self.logger = logger
    }

    /// The router every service starts from (``ServiceRouter``), with `cors` where the service
    /// answers browsers.
    public func router(cors: CORSMiddleware<PasswordlessRequestContext>? = nil) -> Router<PasswordlessRequestContext> {
        ServiceRouter.make(configuration, dependencies, registry: registry, cors: cors)
    }
}
