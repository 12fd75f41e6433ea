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
    let directory = Directory(postgres: dependencies.postgres, logger: logger)
    let router = ServiceRouter.make(
        readiness: dependencies.readinessChecks, registry: registry, metricsOnMainPort: configuration.metricsPort == nil,
        dependencyTimeout: configuration.dependencyTimeout, cors: CORSMiddleware(isKnownOrigin: directory.isKnownWebOrigin))
    let starter = LoginStarter(postgres: dependencies.postgres, redis: dependencies.redis, masterKey: configuration.masterKey, logger: logger)
    let hasher = CredentialHasher(masterKey: configuration.masterKey)
    let transport = CurlTransport(concurrency: 32)

    StartController(
        directory: directory, starter: starter, authenticator: ClientAuthenticator(directory: directory, hasher: hasher),
        clientAddress: ClientAddress(trustedProxies: configuration.trustedProxies)
    ).addRoutes(to: router)
    ManagementController(directory: directory, starter: starter, postgres: dependencies.postgres, hasher: hasher, logger: logger)
        .addRoutes(to: router)
    TokenProxyController(tokenServiceURL: configuration.tokenServiceURL, transport: transport).addRoutes(to: router)
    OpenAPIDocument.addRoutes(to: router)
    return ServiceApplication.make(
        .gateway, configuration: configuration, dependencies: dependencies, router: router, registry: registry, workers: [transport],
        logger: logger)
}
