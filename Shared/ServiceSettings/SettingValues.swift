/// The raw settings of one process: the environment, overridden by command-line flags.
///
/// Read once in `main`; everything below works from the typed ``ServiceConfiguration``.
public struct SettingValues: Sendable, Equatable {
    public private(set) var values: [Setting: String]
    /// Set when the arguments asked for `--help`.
    public private(set) var helpRequested = false

    /// Merges `environment` and `arguments` (without the program name). Flags take the forms
    /// `--port 9000` and `--port=9000`; an unknown flag is an error that names it.
    public init(environment: [String: String], arguments: [String]) throws(ConfigurationError) {
        var values: [Setting: String] = [:]
        for setting in Setting.allCases {
            if let value = environment[setting.environmentName], !value.isEmpty { values[setting] = value }
        }
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                helpRequested = true
                continue
            }
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            guard let setting = Setting.allCases.first(where: { $0.flag == parts[0] }) else {
                throw ConfigurationError(argument.hasPrefix("-") ? parts[0] : argument, "unknown argument (see --help)")
            }
            if parts.count == 2 {
                values[setting] = parts[1]
            } else {
                guard index < arguments.count else { throw ConfigurationError(setting.flag, "needs a value") }
                values[setting] = arguments[index]
                index += 1
            }
        }
        self.values = values
    }

    public subscript(_ setting: Setting) -> String? { values[setting] }

    /// The value, or an error saying the setting is required.
    public func required(_ setting: Setting) throws(ConfigurationError) -> String {
        guard let value = values[setting] else { throw ConfigurationError(setting.environmentName, "is required") }
        return value
    }

    /// The value as an integer in `range`, or `defaultValue` when unset.
    public func integer(_ setting: Setting, in range: ClosedRange<Int>, default defaultValue: Int) throws(ConfigurationError) -> Int {
        guard let text = values[setting] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(setting.environmentName, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The value as a duration in seconds (decimals allowed, `0.5`) within `range`, or
    /// `defaultValue` when unset.
    public func seconds(_ setting: Setting, in range: ClosedRange<Double>, default defaultValue: Duration) throws(ConfigurationError) -> Duration {
        guard let text = values[setting] else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigurationError(setting.environmentName, "must be a number of seconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// The `--help` text for an executable.
    public static func usage(for kind: ServiceKind, settings: [Setting] = Setting.allCases) -> String {
        var text = "usage: \(kind.executableName) [flags]\n\nEach flag overrides the environment variable beside it.\n\n"
        for setting in settings {
            let left = "\(setting.flag) (\(setting.environmentName))"
            text += "  " + left + String(repeating: " ", count: max(1, 48 - left.count)) + setting.help + "\n"
        }
        return text
    }
}
