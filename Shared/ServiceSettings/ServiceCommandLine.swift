import ArgumentParser

/// What a service's command line asks for: to run with its ``ServiceOptions``, or to print help.
///
/// ArgumentParser parses; its usage errors become the one-line ``ConfigurationError``s the
/// services have always printed (`--colour: unknown argument (see --help)`, `--port: needs a value`).
public enum ServiceCommandLine: Sendable {
    case run(ServiceOptions)
    /// The help text (`-h`, `--help`), or whatever else ArgumentParser answers by itself.
    case help(String)

    /// Parses `arguments`, without the program name.
    public init(_ arguments: [String], for kind: ServiceKind) throws(ConfigurationError) {
        do {
            self = .run(try ServiceOptions.parse(arguments))
        } catch {
            guard ServiceOptions.exitCode(for: error) == .success else { throw Self.problem(ServiceOptions.message(for: error)) }
            self = .help(Self.help(ServiceOptions.fullMessage(for: error), for: kind))
        }
    }

    /// ArgumentParser's help with the executable's name in its usage line (a `ParsableArguments`
    /// type has no command name of its own) and a word on the environment.
    static func help(_ text: String, for kind: ServiceKind) -> String {
        guard text.hasPrefix("USAGE: "), let endOfUsage = text.firstIndex(of: "\n") else { return text }
        return "USAGE: \(kind.executableName) [<options>]\n\nEach option overrides the environment variable beside it."
            + text[endOfUsage...]
    }

    /// ArgumentParser's message for a usage error, as a ``ConfigurationError`` naming the argument
    /// at fault: `Unknown option '--colour'`, `Unexpected argument 'stray'`, `Missing value for '--port <port>'`.
    static func problem(_ message: String) -> ConfigurationError {
        let quoted = message.split(separator: "'", omittingEmptySubsequences: false)
        let argument = quoted.count > 2 ? String(quoted[1]) : ""
        if message.hasPrefix("Missing value for ") {
            return ConfigurationError(String(argument.split(separator: " ").first ?? ""), "needs a value")
        }
        if message.hasPrefix("Unknown option ") || message.lowercased().contains("unexpected argument") {
            return ConfigurationError(argument, "unknown argument (see --help)")
        }
        return ConfigurationError(argument.isEmpty ? "arguments" : argument, message)
    }
}
