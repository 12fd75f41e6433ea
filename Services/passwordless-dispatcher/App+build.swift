import Hummingbird
import Logging
import Prometheus
import ServiceRuntime

/// Wires the dispatcher: its health and metrics server on its own port, the shared stores, and
/// (from the flow issue on) the delivery workers.
func buildApplication(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let dependencies = try ServiceDependencies(configuration: configuration, logger: logger)
    let router = ServiceRouter.make(readiness: dependencies.readinessChecks, registry: registry)
    return ServiceApplication.make(.dispatcher, configuration: configuration, dependencies: dependencies, router: router, logger: logger)
}
