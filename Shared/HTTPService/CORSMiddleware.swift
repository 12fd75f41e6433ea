import Hummingbird
import PasswordlessCore

/// CORS for the routes a single-page app calls from the browser (`/passwordless/start`,
/// `/oauth/token`, `/userinfo`, `/.well-known/*`), for the origins some client lists in its
/// `--web-origins`.
///
/// A preflight from such an origin is answered 204 with what browsers need (the methods, and the
/// `Content-Type`, `Authorization` and `Auth0-Client` headers auth0.js sends); one from any other
/// origin is 403. Actual answers, errors included, carry `Access-Control-Allow-Origin` for an
/// allowed origin, so the app can read Auth0's error body. Whether the origin may act as the
/// *particular* client a request names is the route's check (``OriginPolicy``).
public struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Whether any client lists the origin (a preflight names no client).
    public typealias OriginCheck = @Sendable (String) async throws -> Bool

    let isKnownOrigin: OriginCheck

    public init(isKnownOrigin: @escaping OriginCheck) {
        self.isKnownOrigin = isKnownOrigin
    }

    static func applies(to path: String) -> Bool {
        CORSRules.exactPaths.contains(path) || path.hasPrefix("/.well-known/")
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], Self.applies(to: request.uri.path) else {
            return try await next(request, context)
        }
        let allowed: Bool
        do {
            allowed = try await isKnownOrigin(origin)
        } catch {
            // This runs outside the error middleware: answer in Auth0's shape here.
            context.logger.warning("web origins unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError.unavailable
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                throw APIError(status: 403, error: "access_denied", description: "Origin \(APIError.echo(origin)) is not allowed.")
            }
            var headers = Self.headers(origin: origin)
            headers[.accessControlAllowMethods] =
                request.uri.path.hasPrefix("/.well-known/") || request.uri.path == "/userinfo"
                ? "GET, HEAD, OPTIONS" : "POST, OPTIONS"
            headers[.accessControlAllowHeaders] = CORSRules.allowHeaders
            headers[.accessControlMaxAge] = CORSRules.maxAge
            return Response(status: .noContent, headers: headers)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            guard allowed else { throw error }
            response = try error.response(from: request, context: context)
        }
        if allowed {
            for field in Self.headers(origin: origin) { response.headers[field.name] = field.value }
            response.headers[.accessControlExposeHeaders] = CORSRules.exposeHeaders
        }
        return response
    }

    static func headers(origin: String) -> HTTPFields {
        [.accessControlAllowOrigin: origin, .vary: "Origin"]
    }
}

/// The fixed parts of the CORS answers.
enum CORSRules {
    static let exactPaths: Set<String> = ["/passwordless/start", "/passwordless/verify", "/oauth/token", "/userinfo"]
    static let allowHeaders = "Content-Type, Authorization, Auth0-Client"
    static let exposeHeaders = "Retry-After, WWW-Authenticate"
    /// Seconds a browser may cache a preflight's answer.
    static let maxAge = "600"
}
