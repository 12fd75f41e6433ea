import Hummingbird
import Logging
import ServiceLifecycle
import Prometheus

/// The routes and middleware every service has, so each service only adds its own.
public enum ServiceRouter {
    /// A router with request metrics, request ids, CORS (when `cors` is given), Auth0-shaped
    /// errors, `/healthz` and `/readyz`, and `/metrics` unless the service serves it on a port of
    /// its own (``ServiceApplication``).
    public static func make(
        readiness: [ReadinessCheck], registry: PrometheusCollectorRegistry, metricsOnMainPort: Bool,
        cors: CORSMiddleware<PasswordlessRequestContext>? = nil
    ) -> Router<PasswordlessRequestContext> {
        make(context: PasswordlessRequestContext.self, readiness: readiness, registry: registry, metricsOnMainPort: metricsOnMainPort, cors: cors)
    }

    public static func make<Context: RequestContext>(
        context: Context.Type, readiness: [ReadinessCheck], registry: PrometheusCollectorRegistry,
        metricsOnMainPort: Bool, cors: CORSMiddleware<Context>? = nil
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: HTTPMetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        if let cors { router.add(middleware: cors) }
        router.add(middleware: APIErrorMiddleware())
        HealthController<Context>(checks: readiness).addRoutes(to: router)
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
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: kind.executableName),
            services: services,
            logger: logger
        )
    }
}
