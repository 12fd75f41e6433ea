import Hummingbird
import PasswordlessCore

/// Which browser pages may call a route as a client: a request that carries `Origin` (every
/// cross-origin `fetch` does) is refused unless the origin is one of the client's web origins.
///
/// Without this, any web page could make its visitors' browsers request codes: a form post or
/// a `text/plain` fetch needs no CORS preflight.
public enum OriginPolicy {
    /// The request's `Origin` when it names a page `client` does not list; nil when there is no
    /// `Origin` or the client lists it.
    public static func refusedOrigin(_ request: Request, client: Client) -> String? {
        guard let origin = request.headers[.origin], !client.allowsOrigin(origin) else { return nil }
        return origin
    }

    /// 403 `access_denied`, the same on every route.
    public static func refusal(origin: String) -> APIError {
        APIError(status: 403, error: "access_denied", description: "Origin \(APIError.echo(origin)) is not allowed for this client.")
    }
}
