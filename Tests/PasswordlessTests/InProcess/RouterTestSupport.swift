import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Prometheus

/// What the in-process router tests share: how they send JSON and forms, and read answers.
enum RouterTest {
    static let logger: Logger = {
        var logger = Logger(label: "router-test")
        logger.logLevel = .critical
        return logger
    }()

    /// A registry of its own per application: metrics are not what these tests check.
    static func registry() -> PrometheusCollectorRegistry { PrometheusCollectorRegistry() }

    static func json(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let text = fields.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
        return ByteBuffer(string: text)
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]
    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// POSTs a JSON body and returns the answer.
    static func post(
        _ client: some TestClientProtocol, _ path: String, _ object: [String: Any], headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = jsonHeaders
        fields.append(contentsOf: headers)
        return try await client.execute(uri: path, method: .post, headers: fields, body: json(object))
    }
}

extension TestResponse {
    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    /// Auth0's `error` and `error_description`.
    var auth0Error: (error: String?, description: String?) {
        (object["error"] as? String, object["error_description"] as? String)
    }

    /// The Management API's error body (`/api/v2/…`): `errorCode`, `message`, and the status
    /// with its reason phrase.
    var managementError: (code: String?, message: String?, statusCode: Int?, error: String?) {
        (object["errorCode"] as? String, object["message"] as? String, object["statusCode"] as? Int, object["error"] as? String)
    }

    var text: String { String(buffer: body) }
}
