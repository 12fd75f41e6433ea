import Hummingbird
import Logging
import PasswordlessCore

/// Makes every failure leave the service in Auth0's error shape.
///
/// ``APIError``s pass through as they are. Hummingbird's own errors (no such route, a body
/// over the size limit, a body that does not decode) become the matching Auth0 error. PostgreSQL
/// or Redis down or slower than `DEPENDENCY_TIMEOUT` is 503 `temporarily_unavailable` with
/// `Retry-After` (see ``DependencyFailure``). Anything else is logged with the request id and answered with a generic 500, so internal details
/// never reach a client.
public struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as HTTPError {
            throw Self.translate(error)
        } catch let error as any HTTPResponseError {
            throw APIError(status: Int(error.status.code), error: Self.code(for: error.status), description: error.status.reasonPhrase)
        } catch is CancellationError {
            throw APIError.unavailable
        } catch  where DependencyFailure.isUnavailable(error) {
            context.logger.warning("dependency unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError.unavailable
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            throw APIError.internalError
        }
    }

    static func translate(_ error: HTTPError) -> APIError {
        let description = error.body ?? error.status.reasonPhrase
        switch error.status {
        case .badRequest: return .badRequest(description)
        case .contentTooLarge: return APIError(status: 413, error: "request_entity_too_large", description: description)
        default: return APIError(status: Int(error.status.code), error: code(for: error.status), description: description)
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status {
        case .badRequest: "bad.request"
        case .unauthorized: "unauthorized"
        case .forbidden: "access_denied"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .contentTooLarge: "request_entity_too_large"
        case .unsupportedMediaType: "unsupported_media_type"
        case .tooManyRequests: "too_many_requests"
        case .serviceUnavailable: "temporarily_unavailable"
        default: status.code >= 500 ? "server_error" : "bad.request"
        }
    }
}
