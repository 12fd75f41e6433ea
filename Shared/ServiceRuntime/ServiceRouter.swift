import Hummingbird
import Logging
import ServiceLifecycle
import Prometheus

/// The routes and middleware every service has, so each service only adds its own.
public enum ServiceRouter {
    /// A router with 405s for wrong methods, request metrics, request ids, Auth0-shaped errors,
    /// a bound on the time spent waiting for dependencies, `/healthz`, `/readyz` and `/metrics`.
    ///
    /// `dependencyTimeout` is `DEPENDENCY_TIMEOUT`: a request may wait for PostgreSQL and Redis
    /// one second longer than that altogether before it answers 503.
    public static func make<Context: RequestContext>(
        context: Context.Type = PasswordlessRequestContext.self, readiness: [ReadinessCheck], registry: PrometheusCollectorRegistry,
        dependencyTimeout: Duration = .seconds(2)
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: MethodNotAllowedMiddleware(router: router))
        router.add(middleware: HTTPMetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: APIErrorMiddleware())
        router.add(middleware: DependencyDeadlineMiddleware(budget: dependencyTimeout + .seconds(1)))
        HealthController<Context>(checks: readiness, timeout: min(dependencyTimeout, .seconds(2))).addRoutes(to: router)
        MetricsController<Context>(registry: registry).addRoutes(to: router)
        return router
    }
}

/// Builds the application every service runs: its router on `HOST:PORT`, behind the shared
/// dependencies, with the service's own long-running workers after them.
public enum ServiceApplication {
    public static func make(
        _ kind: ServiceKind,
        configuration: ServiceConfiguration,
        dependencies: ServiceDependencies,
        router: Router<PasswordlessRequestContext>,
        workers: [any Service] = [],
        logger: Logger
    ) -> some ApplicationProtocol {
        Application(
            router: router,
            server: .guardedHTTP1(timeouts: configuration.httpTimeouts),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: kind.executableName),
            services: dependencies.services + workers,
            logger: logger
        )
    }
}
