import HTTPTypes
import Hummingbird
import Logging
import PasswordlessCore

/// Gives every request an id: the caller's `X-Request-Id` when it is a sane token, otherwise a
/// fresh one. The id is attached to the request's logger as `request_id` and echoed in the
/// response, so one request can be followed across the gateway, the token service and the logs.
/// Each finished request is logged at `debug` with its method, path (never the query string,
/// which may carry a code), status and duration.
public struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    public static var headerName: HTTPField.Name { HTTPField.Name("X-Request-Id")! }

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[Self.headerName].flatMap(Self.accepted) ?? Self.generate()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(id)
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers[Self.headerName] = id
        context.logger.debug(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "duration_ms": "\((ContinuousClock.now - started).milliseconds)",
            ])
        return response
    }

    /// Accepts up to 128 characters of `[A-Za-z0-9._-]`, so nothing odd reaches the logs.
    static func accepted(_ value: String) -> String? {
        guard !value.isEmpty, value.utf8.count <= 128,
            value.utf8.allSatisfy({
                $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
            })
        else { return nil }
        return value
    }

    /// 96 random bits as 24 hex digits.
    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }
}

extension Duration {
    /// Whole and fractional milliseconds, for logs.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
