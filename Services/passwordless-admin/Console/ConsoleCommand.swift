import ArgumentParser
import Foundation

/// `passwordless-admin console [--host 127.0.0.1] [--port 8090] [--public-url URL]` serves the
/// operators' web console; `passwordless-admin console login-link --email E` prints a one-time
/// sign-in URL for when delivery itself is what broke.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console", abstract: "Serve the operators' web console.", subcommands: [Serve.self, LoginLink.self],
        defaultSubcommand: Serve.self)

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the console (loopback by default). Operators: CONSOLE_OPERATORS; their codes go through CONSOLE_TENANT.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Address to listen on (a non-loopback address makes the session cookie Secure).") var host = "127.0.0.1"
        @Option(help: "Port to listen on.") var port = 8090
        @Option(name: .customLong("public-url"), help: "The console's URL as operators open it (default: http://HOST:PORT).")
        var publicURL: String?

        func run() async throws {
            let settings = try ConsoleSettings(store: store, host: host, port: port, publicURL: publicURL)
            // The console's commands never ask on a terminal: its pages confirm destructive actions themselves.
            let devNull = open("/dev/null", O_RDONLY)
            if devNull >= 0 { _ = dup2(devNull, STDIN_FILENO) }
            try await ConsoleServer.run(settings)
        }
    }

    struct LoginLink: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login-link",
            abstract: "Print a one-time sign-in URL for an operator (valid 10 minutes, once), for when code delivery is down.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The operator's address (one of CONSOLE_OPERATORS).") var email: String
        @Option(name: .customLong("public-url"), help: "The console's URL (default: http://127.0.0.1:8090).") var publicURL: String?

        func run() async throws {
            let operators = OperatorList(ConsoleSettings.environment["CONSOLE_OPERATORS"])
            guard let address = operators.match(email) else {
                throw AdminError("\(email) is not in CONSOLE_OPERATORS")
            }
            let base = (publicURL ?? "http://127.0.0.1:8090").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            let token = try await store.withRedis { redis in try await OperatorSessions(redis: redis).issueLoginLink(email: address) }
            print("\(base)/login-link/\(token)")
        }
    }
}
