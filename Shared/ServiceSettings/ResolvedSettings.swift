/// The raw settings of one process: each flag given on the command line, else its environment
/// variable (an empty variable counts as unset).
///
/// The one place where flags win over the environment, for the services (``ServiceOptions``) and
/// the admin CLI alike; ``ServiceConfiguration`` validates from here.
public struct ResolvedSettings: Sendable, Equatable {
    public private(set) var values: [Setting: String]

    /// `flags` over `environment`.
    public init(flags: [Setting: String], environment: [String: String]) {
        var values: [Setting: String] = [:]
        for setting in Setting.allCases {
            if let value = environment[setting.environmentName], !value.isEmpty { values[setting] = value }
        }
        values.merge(flags) { _, flag in flag }
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

    /// The value as a decimal number within `range` (`0.5`), or `defaultValue` when unset.
    public func fraction(
        _ setting: Setting, in range: ClosedRange<Double>, default defaultValue: Double
    ) throws(ConfigurationError) -> Double {
        guard let text = values[setting] else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigurationError(setting.environmentName, "must be a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The value as a duration in seconds (decimals allowed, `0.5`) within `range`, or
    /// `defaultValue` when unset.
    public func seconds(
        _ setting: Setting, in range: ClosedRange<Double>, default defaultValue: Duration
    ) throws(ConfigurationError) -> Duration {
        guard let text = values[setting] else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw ConfigurationError(
                setting.environmentName, "must be a number of seconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }
}
