import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Observability
import PasswordlessCore
import PasswordlessStorage
import Prometheus
import ServiceLifecycle
import ServiceSettings

/// The body of every service's `main`: read the settings once, set up logs and metrics, build
/// the application with the service's own builder (the one its tests call too), and run it until
/// SIGTERM or SIGINT.
///
/// Missing or malformed settings end the process at once with one line naming the setting
/// (exit 2); a ``StartupRefusal`` (a database that was not migrated, a queue partitioned
/// otherwise) ends it with its one line (exit 1).
public enum ServiceLauncher {
    /// Makes the process' event loops (NIO's singleton group, which Hummingbird, postgres-nio and
    /// the Redis client already use) Swift Concurrency's global executor, so that a request's
    /// handler resumes on the event loop its I/O completed on instead of hopping to a second pool
    /// of threads and back: on a 2-core machine, two event loops and two cooperative threads
    /// competing for the cores cost a thread switch per `await`.
    ///
    /// Call it once, first thing in `main`, before anything asynchronous runs. Nothing in the
    /// services blocks a thread of the global executor: libcurl and the other blocking C calls
    /// run on threads of their own.
    public static func runTasksOnEventLoops() {
        if ProcessInfo.processInfo.environment["PASSWORDLESS_EXECUTOR"] == "default" { return }
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    public static func run<App: ApplicationProtocol>(
        _ kind: ServiceKind,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        arguments: [String] = Array(CommandLine.arguments.dropFirst()),
        build: (ServiceConfiguration, PrometheusCollectorRegistry, Logger) async throws -> App
    ) async -> Never {
        let configuration: ServiceConfiguration
        do {
            switch try ServiceCommandLine(arguments, for: kind) {
            case .help(let text):
                print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
                exit(0)
            case .run(let options):
                configuration = try options.resolve(for: kind, environment: environment)
            }
        } catch {
            fail(kind, "\(error)", code: 2)
        }

        let registry = Observability.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        var logger = Logger(label: kind.executableName)
        logger.logLevel = configuration.logLevel
        do {
            let app = try await build(configuration, registry, logger)
            logger.info(
                "starting",
                metadata: ["port": "\(configuration.port)", "database": "\(configuration.database)", "redis": "\(configuration.redis)"])
            try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
            logger.info("stopped")
            exit(0)
        } catch let error as any StartupRefusal {
            fail(kind, error.description, code: 1)
        } catch {
            logger.critical("exiting", metadata: ["error": "\(String(reflecting: error))"])
            fail(kind, "\(error)", code: 1)
        }
    }

    /// Prints `passwordless-x: message` on standard error and exits.
    public static func fail(_ kind: ServiceKind, _ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("\(kind.executableName): \(message)\n".utf8))
        exit(code)
    }
}
