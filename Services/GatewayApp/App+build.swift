import DeliveryTransport
import HTTPService
import Hummingbird
import Logging
import LoginCodes
import PasswordlessCore
import Prometheus
import ServiceLifecycle
import ServiceSettings
import TenantDirectory

/// Wires the gateway: the shared stores and probes, `/passwordless/start`, the user-management
/// calls, and the forwarding of token routes.
public func buildApplication(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let dependencies = try ServiceDependencies(configuration: configuration, logger: logger)
    let (router, workers) = buildRouter(configuration: configuration, dependencies: dependencies, registry: registry, logger: logger)
    return ServiceApplication.make(
        .gateway, configuration: configuration, dependencies: dependencies, router: router, registry: registry, workers: workers,
        logger: logger)
}

/// The gateway's router with every route, and the workers its routes need running (in start
/// order). Nothing runs until the application's service group does, so a test may build this only to
/// read `router.routes`.
public func buildRouter(
    configuration: ServiceConfiguration, dependencies: ServiceDependencies, registry: PrometheusCollectorRegistry, logger: Logger
) -> (router: Router<PasswordlessRequestContext>, workers: [any Service]) {
    let directory = Directory(postgres: dependencies.postgres, logger: logger)
    let router = ServiceRouter.make(
        readiness: dependencies.readinessChecks, registry: registry, metricsOnMainPort: configuration.metricsPort == nil,
        dependencyTimeout: configuration.dependencyTimeout, cors: CORSMiddleware(isKnownOrigin: directory.isKnownWebOrigin))
    let starter = LoginStarter(postgres: dependencies.postgres, redis: dependencies.redis, masterKey: configuration.masterKey, logger: logger)
    let hasher = CredentialHasher(masterKey: configuration.masterKey)
    let transport = CurlTransport(concurrency: 32)

    StartController(
        directory: directory, starter: starter, hasher: hasher, clientAddress: ClientAddress(trustedProxies: configuration.trustedProxies)
    ).addRoutes(to: router)
    ManagementController(directory: directory, starter: starter, postgres: dependencies.postgres, hasher: hasher, logger: logger)
        .addRoutes(to: router)
    TokenProxyController(tokenServiceURL: configuration.tokenServiceURL, transport: transport).addRoutes(to: router)
    OpenAPIDocument.addRoutes(to: router)
    return (router, [transport])
}
