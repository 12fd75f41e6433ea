import Hummingbird
import Logging
import ServiceLifecycle
import Prometheus

/// The routes and middleware every service has, so each service only adds its own.
public enum ServiceRouter {
    /// A router with request metrics, request ids, Auth0-shaped errors, `/healthz`, `/readyz`
    /// and `/metrics`.
    public static func make<Context: RequestContext>(
        context: Context.Type = PasswordlessRequestContext.self, readiness: [ReadinessCheck], registry: PrometheusCollectorRegistry
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: HTTPMetricsMiddleware())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: APIErrorMiddleware())
        HealthController<Context>(checks: readiness).addRoutes(to: router)
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
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: kind.executableName),
            services: dependencies.services + workers,
            logger: logger
        )
    }
}
