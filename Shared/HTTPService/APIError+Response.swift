import Foundation
import HTTPTypes
import Hummingbird
import PasswordlessCore

extension APIError: HTTPResponseError {
    public var status: HTTPResponse.Status { HTTPResponse.Status(code: statusCode) }

    /// Auth0's body: `{"error": "...", "error_description": "..."}`, with `Retry-After` and `Allow` when set.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        for (name, value) in self.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: statusCode), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jsonBody)))
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
