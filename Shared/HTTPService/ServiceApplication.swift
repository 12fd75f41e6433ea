import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import ServiceSettings

/// Builds the application every service runs: its router on `HOST:PORT`, behind the shared
/// dependencies, with the service's own long-running workers after them, and `/metrics` on
/// `METRICS_PORT` where the service has one.
///
/// Metrics stay off the public port: counters such as `outcome="not_sent"` would tell anyone
/// who can reach the API who exists, and scrape traffic has no business on the internet.
public enum ServiceApplication {
    /// The router of a service and the workers its routes need running, in start order.
    public typealias Routes = (router: Router<PasswordlessRequestContext>, workers: [any Service])

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
