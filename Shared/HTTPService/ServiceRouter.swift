import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import ServiceSettings

/// The routes and middleware every service has, so each service only adds its own.
public enum ServiceRouter {
    /// A router with 405s for wrong methods, request metrics, request ids, CORS (when `cors` is
    /// given), Auth0-shaped errors, a bound on the time spent waiting for dependencies, `/healthz`
    /// and `/readyz`, and `/metrics` unless the service serves it on a port of its own
    /// (``ServiceApplication``).
    ///
    /// `dependencyTimeout` is `DEPENDENCY_TIMEOUT`: a request may wait for PostgreSQL and Redis
    /// one second longer than that altogether before it answers 503.
    /// The router of a service as `configuration` sets it up: `/metrics` on the main port unless
    /// the service has a port of its own for it, and the configured dependency timeout.
    public static func make(
        _ configuration: ServiceConfiguration, _ dependencies: ServiceDependencies, registry: PrometheusCollectorRegistry,
        cors: CORSMiddleware<PasswordlessRequestContext>? = nil
    ) -> Router<PasswordlessRequestContext> {
        make(
            readiness: dependencies.readinessChecks, registry: registry, metricsOnMainPort: configuration.metricsPort == nil,
            dependencyTimeout: configuration.dependencyTimeout, cors: cors)
    }

    public static func make(
        readiness: [ReadinessCheck], registry: PrometheusCollectorRegistry, metricsOnMainPort: Bool,
        dependencyTimeout: Duration = .seconds(2),
        cors: CORSMiddleware<PasswordlessRequestContext>? = nil
    ) -> Router<PasswordlessRequestContext> {
        make(
            context: PasswordlessRequestContext.self, readiness: readiness, registry: registry, metricsOnMainPort: metricsOnMainPort,
            dependencyTimeout: dependencyTimeout, cors: cors)
    }

    public static func make<Context: RequestContext>(
        context: Context.Type, readiness: [ReadinessCheck], registry: PrometheusCollectorRegistry, metricsOnMainPort: Bool,
        dependencyTimeout: Duration = .seconds(2), cors: CORSMiddleware<Context>? = nil
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: MethodNotAllowedMiddleware(router: router))
        router.add(middleware: HTTPMetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        if let cors { router.add(middleware: cors) }
        router.add(middleware: APIErrorMiddleware())
        router.add(middleware: DependencyDeadlineMiddleware(budget: dependencyTimeout + .seconds(1)))
        HealthController<Context>(checks: readiness, timeout: min(dependencyTimeout, .seconds(2))).addRoutes(to: router)
        if metricsOnMainPort { MetricsController<Context>(registry: registry).addRoutes(to: router) }
        return router
    }
}
