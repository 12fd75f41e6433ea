import Hummingbird
import Metrics

/// Counts requests and times them, by route pattern, method and status:
/// `passwordless_http_requests_total{route,method,status}` and the histogram
/// `passwordless_http_request_duration_seconds{route,method}`.
///
/// The route label is the matched route's pattern (`/passwordless/start`), or `unmatched`, never
/// the raw path, so label values stay a small fixed set.
public struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var status = 500
        defer {
            // Hummingbird names the not-found responder's path "NotFound"; both mean no route matched.
            let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
            let method = request.method.rawValue
            Counter(
                label: "passwordless_http_requests_total", dimensions: [("route", route), ("method", method), ("status", String(status))]
            )
            .increment()
            Timer(label: "passwordless_http_request_duration_seconds", dimensions: [("route", route), ("method", method)])
                .recordInterval(since: started)
        }
        do {
            let response = try await next(request, context)
            status = Int(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            status = Int(error.status.code)
            throw error
        }
    }
}

extension Timer {
    /// Records the time elapsed since `start`.
    public func recordInterval(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
