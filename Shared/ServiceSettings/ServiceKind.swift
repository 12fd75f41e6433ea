/// The four executables, with what differs between them at start-up.
public enum ServiceKind: String, Sendable, CaseIterable {
    case gateway, token, dispatcher, admin

    /// The executable's name, used in log labels and in start-up error lines.
    public var executableName: String { "passwordless-\(rawValue)" }

    /// The HTTP port when `PORT` is not set (the admin CLI serves nothing).
    public var defaultPort: Int {
        switch self {
        case .gateway: 8080
        case .token: 8081
        case .dispatcher: 8082
        case .admin: 0
        }
    }

    /// The `/metrics` port when `METRICS_PORT` is not set; nil where metrics share the main port
    /// (the dispatcher's port serves nothing public).
    public var defaultMetricsPort: Int? {
        switch self {
        case .gateway: 9080
        case .token: 9081
        case .dispatcher, .admin: nil
        }
    }
}
