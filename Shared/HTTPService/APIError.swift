/// An error as Auth0 returns it: an HTTP status and the JSON body
/// `{"error": "...", "error_description": "..."}`.
///
/// Every refusal the public API makes is one of these, so clients written against Auth0's
/// SDKs see the codes and shapes they already handle. Descriptions never include a code,
/// token or secret.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var statusCode: Int
    public var error: String
    public var errorDescription: String
    /// Seconds a client should wait before trying again (sent as `Retry-After` with 429 and 503).
    public var retryAfter: Int?
    /// Further response headers the answer needs (`WWW-Authenticate` on a 401 of the token routes,
    /// `Allow` on a 405).
    public var headers: [String: String]

    public init(status: Int, error: String, description: String, retryAfter: Int? = nil, headers: [String: String] = [:]) {
        self.statusCode = status
        self.error = error
        self.errorDescription = description
        self.retryAfter = retryAfter
        self.headers = headers
    }

    /// The most characters of caller input an error description repeats.
    public static let echoLimit = 64

    /// Caller input as an error description may quote it: at most ``echoLimit`` characters, with
    /// control characters replaced, so an error never reflects a large or terminal-unsafe payload.
    public static func echo(_ input: String) -> String {
        let cleaned = String(String.UnicodeScalarView(input.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
        return cleaned.count <= echoLimit ? cleaned : String(cleaned.prefix(echoLimit)) + "…"
    }

    public var description: String { "\(statusCode) \(error): \(errorDescription)" }

    /// 400 `bad.request`: a body that is not what the endpoint accepts.
    public static func badRequest(_ description: String) -> APIError {
        APIError(status: 400, error: "bad.request", description: description)
    }

    /// 401 `unauthorized` "user is blocked", Auth0's answer to a blocked user on
    /// `/passwordless/start` and the token routes.
    public static let userBlocked = APIError(status: 401, error: "unauthorized", description: "user is blocked")

    /// 404 `not_found`.
    public static let notFound = APIError(status: 404, error: "not_found", description: "Not Found")

    /// 500 `server_error`: an unexpected failure; details go to the log, never to the client.
    public static let internalError = APIError(
        status: 500, error: "server_error", description: "The server encountered an internal error. Please try again.")

    /// 503 `temporarily_unavailable` with `Retry-After: 1`: a dependency (PostgreSQL, Redis) did
    /// not answer, or not within `DEPENDENCY_TIMEOUT`.
    public static let unavailable = APIError(
        status: 503, error: "temporarily_unavailable", description: "The service is temporarily unavailable. Please try again.",
        retryAfter: 1)

    /// 405 `method_not_allowed`, with the methods the path does accept.
    public static func methodNotAllowed(allow: [String]) -> APIError {
        APIError(
            status: 405, error: "method_not_allowed", description: "Method Not Allowed", headers: ["Allow": allow.joined(separator: ", ")])
    }

    /// 415 `unsupported_media_type`: a body that is neither JSON nor a form.
    public static let unsupportedMediaType = APIError(
        status: 415, error: "unsupported_media_type",
        description: "The request body must be application/json or application/x-www-form-urlencoded.")
}
