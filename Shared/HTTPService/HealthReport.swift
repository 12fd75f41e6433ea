import Foundation
import Hummingbird

/// The body of `/healthz` and `/readyz`: `{"status":"ok"}`, `{"status":"ready","checks":{…}}`
/// or `{"status":"unavailable","reason":…,"checks":{…}}`, never cached.
///
/// Encoded here rather than by the context's encoder: ``HealthController`` serves any request
/// context, and probes compare this body whatever the context.
struct HealthReport: ResponseEncodable {
    var status: String
    var reason: String?
    /// Each check's outcome: `ok`, or why it failed.
    var checks: [String: String]?

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status == "unavailable" ? .serviceUnavailable : .ok,
            headers: [.cacheControl: "no-store", .contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.sorted.encode(self))))
    }
}
