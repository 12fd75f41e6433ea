import Foundation
import HTTPTypes
import Hummingbird
import PasswordlessCore

extension APIError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    /// Auth0's body, with `Retry-After` and `Allow` when set: the Authentication API's
    /// `{"error": "...", "error_description": "..."}`, or under `/api/v2/` the Management API's
    /// `{"statusCode": 404, "error": "Not Found", "message": "...", "errorCode": "inexistent_user"}`,
    /// which Auth0's management SDKs read.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        for (name, value) in self.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: statusCode), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: request.uri.path.hasPrefix("/api/v2/") ? managementBody : jsonBody)))
    }

    /// The reason phrases the Management API writes as `error`.
    static let reasonPhrases = [
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
        413: "Request Entity Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error",
        503: "Service Unavailable",
    ]

    /// The Management API v2 body as bytes: the status, its reason phrase, the description as
    /// `message` and the error as `errorCode`.
    public var managementBody: [UInt8] {
        struct Body: Encodable {
            var statusCode: Int
            var error, message, errorCode: String
        }
        let body = Body(
            statusCode: statusCode, error: Self.reasonPhrases[statusCode] ?? "Error", message: errorDescription, errorCode: error)
        return Array((try? JSONEncoder.sorted.encode(body)) ?? Data())
    }

    /// The JSON body as bytes.
    public var jsonBody: [UInt8] {
        let body = ["error": error, "error_description": errorDescription]
        return Array((try? JSONEncoder.sorted.encode(body)) ?? Data())
    }
}

extension JSONEncoder {
    /// An encoder with stable key order, for bodies that tests and people compare.
    static let sorted: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
