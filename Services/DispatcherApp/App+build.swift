import Delivery
import DeliveryTransport
import HTTPService
import Hummingbird
import JobQueue
import Logging
import PasswordlessCore
import Prometheus
import ServiceLifecycle
import ServiceSettings
import TenantDirectory

/// Wires the dispatcher: its health and metrics server on its own port, the shared stores, the
/// libcurl transport and the delivery worker with its providers.
public func buildApplication(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let dependencies = try ServiceDependencies(configuration: configuration, logger: logger)
    let (router, workers) = buildRouter(configuration: configuration, dependencies: dependencies, registry: registry, logger: logger)
    return ServiceApplication.make(
        .dispatcher, configuration: configuration, dependencies: dependencies, router: router, registry: registry, workers: workers,
        logger: logger)
}

/// The dispatcher's router with every route, and the workers its routes need running (in start
/// order). Nothing runs until the application's service group does, so a test may build this only to
/// read `router.routes`.
public func buildRouter(
    configuration: ServiceConfiguration, dependencies: ServiceDependencies, registry: PrometheusCollectorRegistry, logger: Logger
) -> (router: Router<PasswordlessRequestContext>, workers: [any Service]) {
    let router = ServiceRouter.make(
        readiness: dependencies.readinessChecks, registry: registry, metricsOnMainPort: true, dependencyTimeout: configuration.dependencyTimeout)
    let settings = configuration.dispatcher
    let transport = CurlTransport(concurrency: settings.concurrency)
    let queue = DeliveryQueue(redis: dependencies.redis)
    let metrics = DispatcherMetrics()
    let deliverer = JobDeliverer(
        queue: queue, directory: Directory(postgres: dependencies.postgres, logger: logger),
        jobSeal: SecretBox(masterKey: configuration.masterKey, purpose: .jobSeal, previousMasterKeys: configuration.previousMasterKeys),
        secrets: SecretBox(masterKey: configuration.masterKey, purpose: .secretsAtRest, previousMasterKeys: configuration.previousMasterKeys),
        providers: [
            .twilio: TwilioProvider(transport: transport), .smtp: SMTPProvider(transport: transport),
            .webhook: WebhookProvider(transport: transport), .outbox: OutboxProvider(),
        ],
        settings: settings, metrics: metrics, logger: logger)
    let worker = DeliveryWorker(queue: queue, redis: dependencies.redis, deliverer: deliverer, settings: settings, metrics: metrics, logger: logger)
    // The transport starts before the worker, so it closes after the worker has stopped.
    return (router, [transport, worker])
}
