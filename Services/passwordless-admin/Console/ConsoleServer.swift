import Foundation
import Hummingbird
import JobQueue
import Logging
import PostgresNIO
import RedisClient
import ServiceLifecycle
import ServiceSettings

/// Builds the console (its stores, background sampler, guard and controllers) and serves it
/// until SIGTERM or SIGINT.
enum ConsoleServer {
    static func run(_ settings: ConsoleSettings) async throws {
        var logger = Logger(label: "passwordless-console")
        logger.logLevel = .info
        let application = try build(settings, logger: logger)
        if settings.operators.addresses.isEmpty {
            logger.warning("CONSOLE_OPERATORS is empty: no one can sign in")
        }
        logger.notice(
            "console listening",
            metadata: ["url": "\(settings.publicURL)", "operators": "\(settings.operators.addresses.count)"])
        try await application.runService()
    }

    static func build(_ settings: ConsoleSettings, logger: Logger) throws -> some ApplicationProtocol {
        let store = settings.store.settings()
        let database = try ServiceConfiguration.database(store)
        var quiet = logger
        quiet.logLevel = .critical
        let postgres = PostgresClient(
            configuration: try database.clientConfiguration(maximumConnections: 4, connectTimeout: .seconds(5)), backgroundLogger: quiet)
        var redisConfiguration = try ServiceConfiguration.redis(store)
        redisConfiguration.poolSize = 4
        let redis = RedisClient(configuration: redisConfiguration, logger: logger)
        let layout = QueueLayout(partitions: try ServiceConfiguration.queuePartitions(store))
        let sampler = QueueSampler(redis: redis, layout: layout, logger: logger)

        let pages = try Pages()
        let sessions = OperatorSessions(redis: redis)
        let guardian = ConsoleGuard(
            sessions: sessions, operators: settings.operators, pages: pages,
            secureCookies: !settings.isLoopback || settings.publicURL.lowercased().hasPrefix("https:"))
        let audit = ConsoleAudit()
        let commands = ConsoleCommands(runner: CommandRunner(storeArguments: settings.storeArguments), audit: audit)

        let router = Router(context: ConsoleContext.self)
        router.add(middleware: guardian)
        Pages.addRoutes(to: router)
        SignInController(
            sessions: sessions, signIn: OperatorSignIn(settings: settings, postgres: postgres, redis: redis, queue: layout, logger: logger),
            guardian: guardian, pages: pages, settings: settings, audit: audit
        ).addRoutes(to: router)
        TenantsController(commands: commands, pages: pages).addRoutes(to: router)
        ClientsController(commands: commands, pages: pages).addRoutes(to: router)
        ConnectionsController(commands: commands, pages: pages).addRoutes(to: router)
        APIsController(commands: commands, pages: pages).addRoutes(to: router)
        KeysController(commands: commands, pages: pages).addRoutes(to: router)
        UsersController(commands: commands, pages: pages).addRoutes(to: router)
        HooksController(commands: commands, pages: pages).addRoutes(to: router)
        DeliveriesController(commands: commands, pages: pages).addRoutes(to: router)
        DeadLettersController(commands: commands, pages: pages).addRoutes(to: router)
        QueueController(redis: redis, layout: layout, postgres: postgres, sampler: sampler, pages: pages).addRoutes(to: router)

        return Application(
            router: router, configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: nil),
            services: [postgres, redis, sampler], logger: logger)
    }
}
