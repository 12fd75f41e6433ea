/// Why a delivery attempt failed at the transport level.
///
/// The split matters to the dispatcher: network trouble and timeouts are worth retrying,
/// a refused request is not. Messages come from libcurl or the server and never contain the
/// request body or credentials.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request could not even be built (a malformed URL, an unsupported scheme).
    case invalidRequest(String)
    /// Could not resolve, connect, or the connection broke. `code` is libcurl's `CURLcode`.
    case network(code: Int, message: String)
    /// No complete answer within the time allowed.
    case timeout
    /// The TLS handshake or certificate check failed.
    case tls(String)
    /// The SMTP server refused: `code` is its last reply code (for example 535, 550, 451).
    case smtp(code: Int, message: String)
    /// The response body exceeded what we are willing to buffer.
    case responseTooLarge
    /// The calling task was cancelled (a shutdown deadline), or the transport shut down with the
    /// transfer in flight; whether the provider got the message is unknown.
    case cancelled
    /// The transport's `run()` had not started in time; nothing was sent.
    case notRunning

    /// Whether trying again later could succeed.
    public var isTransient: Bool {
        switch self {
        case .network, .timeout, .cancelled, .notRunning: true
        case .smtp(let code, _): (400..<500).contains(code) || code == 0
        case .invalidRequest, .tls, .responseTooLarge: false
        }
    }

    public var description: String {
        switch self {
        case .invalidRequest(let m): "invalid request: \(m)"
        case .network(let code, let m): "network error (curl \(code)): \(m)"
        case .timeout: "timed out"
        case .tls(let m): "TLS error: \(m)"
        case .smtp(let code, let m): "SMTP \(code): \(m)"
        case .responseTooLarge: "response too large"
        case .cancelled: "cancelled"
        case .notRunning: "the transport is not running (its run() has not started)"
        }
    }
}
