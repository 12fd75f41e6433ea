import Hummingbird
import Logging
import Prometheus
import ServiceRuntime

/// Wires the token service: the shared stores and probes, and (from the flow issue on) the
/// code exchange, JWKS, discovery and userinfo routes.
func buildApplication(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let dependencies = try ServiceDependencies(configuration: configuration, logger: logger)
    let router = ServiceRouter.make(readiness: dependencies.readinessChecks, registry: registry)
    return ServiceApplication.make(.token, configuration: configuration, dependencies: dependencies, router: router, logger: logger)
}
