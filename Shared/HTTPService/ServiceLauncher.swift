import Foundation
import Hummingbird
import Logging
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
