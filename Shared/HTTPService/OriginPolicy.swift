import Hummingbird
import PasswordlessCore

/// Which browser pages may call a route as a client: a request that carries `Origin` (every
/// cross-origin `fetch` does) is refused unless the origin is one of the client's web origins.
///
/// Without this, any web page could make its visitors' browsers request codes: a form post or
/// a `text/plain` fetch needs no CORS preflight.
public enum OriginPolicy {
    /// 403 `access_denied` when the request comes from a page whose origin `client` does not list.
    public static func check(_ request: Request, client: Client) throws(APIError) {
        guard let origin = request.headers[.origin] else { return }
        guard client.allowsOrigin(origin) else {
            throw APIError(status: 403, error: "access_denied", description: "Origin \(APIError.echo(origin)) is not allowed for this client.")
        }
    }
}
