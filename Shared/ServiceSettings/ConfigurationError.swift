/// A setting that is missing or malformed. Printed as one line that names the setting,
/// for example `PASSWORDLESS_MASTER_KEY: is required`, and never the setting's value.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// The environment variable (or flag) at fault.
    public var setting: String
    public var problem: String

    public init(_ setting: String, _ problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "\(setting): \(problem)" }
}
