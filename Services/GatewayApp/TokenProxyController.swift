import DeliveryTransport
import HTTPService
import HTTPTypes
import Hummingbird
import Logging
import PasswordlessCore

/// Forwards the token service's routes (`/oauth/*`, `/.well-known/*`, `/userinfo`, and the
/// sign-in link's `/passwordless/verify_redirect` and `/passwordless/verify`) so that a client
/// needs one base URL. `Host` travels along, so the token service resolves the same
/// tenant; production ingress may route these paths to the token service directly instead.
struct TokenProxyController {
    let tokenServiceURL: String
    let transport: CurlTransport

    /// Request headers the token service needs; everything else stays at the gateway.
    static let forwardedRequestHeaders: [HTTPField.Name] = [
        .contentType, .authorization, .accept, .origin, HTTPField.Name("X-Request-Id")!, HTTPField.Name("auth0-forwarded-for")!,
        HTTPField.Name("Sec-Fetch-Site")!,
    ]
    /// Response headers that travel back, including the link pages' redirect and security headers.
    static let forwardedResponseHeaders: [String] = [
        "content-type", "cache-control", "retry-after", "www-authenticate", "pragma", "location", "content-security-policy",
        "x-frame-options", "referrer-policy", "x-content-type-options", "allow",
    ]

    func addRoutes(to router: Router<PasswordlessRequestContext>) {
        for path in ["/oauth/token", "/oauth/ro", "/passwordless/verify", "/passwordless/verify_redirect"] {
            router.post(RouterPath(path)) { request, context in try await forward(request, context: context) }
        }
        for path in ["/.well-known/jwks.json", "/.well-known/openid-configuration", "/userinfo", "/passwordless/verify_redirect"] {
            router.get(RouterPath(path)) { request, context in try await forward(request, context: context) }
        }
        router.head("/passwordless/verify_redirect") { request, context in try await forward(request, context: context) }
    }

    func forward(_ request: Request, context: PasswordlessRequestContext) async throws -> Response {
        var body = try await request.body.collect(upTo: BodyDecoder.limit)
        var headers: [(name: String, value: String)] = []
        if let host = request.head.authority { headers.append(("Host", host)) }
        for name in Self.forwardedRequestHeaders {
            if let value = request.headers[name] { headers.append((name.canonicalName, value)) }
        }
        let outgoing = OutgoingHTTPRequest(
            url: tokenServiceURL + request.uri.description, method: request.method.rawValue, headers: headers,
            body: body.readBytes(length: body.readableBytes) ?? [], timeout: .seconds(10), connectTimeout: .seconds(2))
        let reply: IncomingHTTPResponse
        do {
            reply = try await transport.perform(outgoing)
        } catch {
            context.logger.warning("token service unreachable", metadata: ["error": "\(error)"])
            throw APIError.unavailable
        }
        var fields = HTTPFields()
        for name in Self.forwardedResponseHeaders {
            if let value = reply.headers[name], let field = HTTPField.Name(name) { fields[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
    }
}
