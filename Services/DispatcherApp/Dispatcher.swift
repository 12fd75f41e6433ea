import Delivery
import DeliveryTransport
import Events
import HTTPService
import Hummingbird
import JobQueue
import Logging
import LoginCodes
import PasswordlessCore
import Prometheus
import ServiceLifecycle
import ServiceSettings
import TenantDirectory

/// The dispatcher: its health and metrics server on its own port, the shared stores, the
/// libcurl transport and the delivery worker with its providers.
public enum Dispatcher: PasswordlessService {
    public static let kind = ServiceKind.dispatcher

    public static func routes(_ setup: ServiceSetup) -> ServiceApplication.Routes {
        let (configuration, dependencies, logger) = (setup.configuration, setup.dependencies, setup.logger)
        let router = setup.router()
        let settings = configuration.dispatcher
        let files = OpenFileLimit.raise(toCover: settings.concurrency)
        if !files.sufficient {
            logger.warning(
                "the open-file limit is below DISPATCHER_CONCURRENCY plus headroom; deliveries beyond it will fail to connect",
                metadata: ["limit": "\(files.limit)", "concurrency": "\(settings.concurrency)"])
        }
        // Every delivery in flight is a transfer on the transport's one libcurl thread.
        let transport = CurlTransport(concurrency: settings.concurrency)
        let layout = QueueLayout(partitions: configuration.queuePartitions)
        let queue = DeliveryQueue(redis: dependencies.redis, layout: layout)
        let metrics = DispatcherMetrics()
        let directory = Directory(postgres: dependencies.postgres, logger: logger)
        let failover = Failover(
            directory: directory, breakers: BreakerBoard(settings: settings.breaker, logger: logger), metrics: metrics)
        let secrets = SecretBox(
            masterKey: configuration.masterKey, purpose: .secretsAtRest, previousMasterKeys: configuration.previousMasterKeys)
        let emitter = HookEmitter(directory: directory, redis: dependencies.redis, layout: layout, logger: logger)
        let deliveryLog = DeliveryLogBuffer(redis: dependencies.redis, logger: logger)
        let deliverer = JobDeliverer(
            queue: queue, directory: directory,
            jobSeal: SecretBox(masterKey: configuration.masterKey, purpose: .jobSeal, previousMasterKeys: configuration.previousMasterKeys),
            secrets: secrets,
            providers: [
                .twilio: TwilioProvider(transport: transport), .smtp: SMTPProvider(transport: transport),
                .webhook: WebhookProvider(transport: transport), .outbox: OutboxProvider(),
                .sendgrid: SendGridProvider(transport: transport), .mailgun: MailgunProvider(transport: transport),
                .postmark: PostmarkProvider(transport: transport), .ses: SESProvider(transport: transport),
            ],
            sendRate: SendRate(limiter: RateLimiter(redis: dependencies.redis)), failover: failover, settings: settings, metrics: metrics,
            logger: logger, hooks: HookDeliverer(directory: directory, secrets: secrets, transport: transport),
            recorder: DeliveryRecorder(directory: directory, emitter: emitter, log: deliveryLog, logger: logger))
        let worker = DeliveryWorker(
            queue: queue, legacy: LegacyQueue(redis: dependencies.redis, layout: layout), redis: dependencies.redis, deliverer: deliverer,
            settings: settings, metrics: metrics, logger: logger)
        // The transport and the deliveries record start before the worker, so they close after
        // the worker has stopped (the record writing what the last deliveries left).
        let sweeper = ExpirySweeper(redis: dependencies.redis, layout: layout, emitter: emitter, logger: logger)
        return (router, [transport, deliveryLog, worker, sweeper])
    }
}
