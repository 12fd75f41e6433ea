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
    public static func make(
        readiness: [ReadinessCheck], registry: PrometheusCollectorRegistry, metricsOnMainPort: Bool, dependencyTimeout: Duration = .seconds(2),
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

/// Builds the application every service runs: its router on `HOST:PORT`, behind the shared
/// dependencies, with the service's own long-running workers after them, and `/metrics` on
/// `METRICS_PORT` where the service has one.
///
/// Metrics stay off the public port: counters such as `outcome="not_sent"` would tell anyone
/// who can reach the API who exists, and scrape traffic has no business on the internet.
public enum ServiceApplication {
    public static func make(
        _ kind: ServiceKind,
        configuration: ServiceConfiguration,
        dependencies: ServiceDependencies,
        router: Router<PasswordlessRequestContext>,
        registry: PrometheusCollectorRegistry,
        workers: [any Service] = [],
        logger: Logger
    ) -> some ApplicationProtocol {
        var services = dependencies.services + workers
        if let metricsPort = configuration.metricsPort {
            let metricsRouter = Router(context: BasicRequestContext.self)
            MetricsController<BasicRequestContext>(registry: registry).addRoutes(to: metricsRouter)
            metricsRouter.get("/healthz") { _, _ in HTTPResponse.Status.ok }
            services.append(
                Application(
                    router: metricsRouter,
                    configuration: .init(address: .hostname(configuration.host, port: metricsPort), serverName: kind.executableName),
                    logger: logger))
        }
        return Application(
            router: router,
            server: .guardedHTTP1(timeouts: configuration.httpTimeouts),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: kind.executableName),
            services: services,
            logger: logger
        )
    }
}
