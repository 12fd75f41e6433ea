import Delivery
import DeliveryTransport
import Hummingbird
import Logging
import PasswordlessCore
import PasswordlessFlow
import Prometheus
import ServiceLifecycle
import ServiceRuntime

/// Wires the dispatcher: its health and metrics server on its own port, the shared stores, and
/// the delivery workers with their providers.
func buildApplication(configuration: ServiceConfiguration, registry: PrometheusCollectorRegistry, logger: Logger) async throws
    -> some ApplicationProtocol
{
    let dependencies = try ServiceDependencies(configuration: configuration, logger: logger)
    let router = ServiceRouter.make(readiness: dependencies.readinessChecks, registry: registry)
    let concurrency = 16
    let transport = CurlTransport(concurrency: concurrency)
    let worker = DeliveryWorker(
        queue: DeliveryQueue(redis: dependencies.redis), redis: dependencies.redis,
        directory: Directory(postgres: dependencies.postgres, logger: logger),
        jobSeal: SecretBox(masterKey: configuration.masterKey, purpose: .jobSeal),
        secrets: SecretBox(masterKey: configuration.masterKey, purpose: .secretsAtRest),
        providers: [
            .twilio: TwilioProvider(transport: transport), .smtp: SMTPProvider(transport: transport),
            .webhook: WebhookProvider(transport: transport), .outbox: OutboxProvider(),
        ],
        concurrency: concurrency, maximumAttempts: 8, logger: logger)
    return ServiceApplication.make(
        .dispatcher, configuration: configuration, dependencies: dependencies, router: router,
        workers: [transport, worker], logger: logger)
}
