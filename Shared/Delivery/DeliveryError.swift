/// How a delivery attempt failed, from the queue's point of view.
public enum DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Worth trying again later (network trouble, 5xx, 429); `retryAfter` is the provider's hint.
    case transient(reason: String, retryAfter: Int?)
    /// Will fail the same way again (an invalid number, a refused recipient, bad credentials).
    case permanent(reason: String)

    public var description: String {
        switch self {
        case .transient(let reason, let retryAfter): "transient: \(reason)" + (retryAfter.map { " (retry after \($0)s)" } ?? "")
        case .permanent(let reason): "permanent: \(reason)"
        }
    }

    public var reason: String {
        switch self {
        case .transient(let reason, _), .permanent(let reason): reason
        }
    }
}
