import DeliveryTransport
import Foundation

/// What the HTTP providers share: the base URL they post to, one request through the transport
/// with its failures classified, and JSON bodies. Each provider keeps to its own API's shape;
/// the dispatcher's hook deliveries post through the same ``perform(_:on:)``.
public enum ProviderHTTP {
    /// The connection's `--api-base-url`, else the provider's own, without trailing slashes.
    static func base(_ configured: String?, default standard: String) -> String {
        var base = Substring(configured ?? standard)
        while base.hasSuffix("/") { base = base.dropLast() }
        return String(base)
    }

    /// Sends `request`; a transport failure (no connection, a timeout) is transient or permanent
    /// as ``TransportError/isTransient`` says. The answer comes back whatever its status.
    public static func perform(
        _ request: OutgoingHTTPRequest, on transport: CurlTransport
    ) async throws(DeliveryError) -> IncomingHTTPResponse {
        do {
            return try await transport.perform(request)
        } catch {
            throw error.isTransient ? .transient(reason: error.description, retryAfter: nil) : .permanent(reason: error.description)
        }
    }

    /// `value` as JSON, keys sorted (stable bodies make requests comparable in tests and logs).
    static func json(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    /// The answer's body as a JSON object; nil when it is not one (an HTML error page, plain text).
    static func object(_ response: IncomingHTTPResponse) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    }

    /// `pairs` as an `application/x-www-form-urlencoded` body.
    static func form(_ pairs: [(String, String)]) -> [UInt8] {
        Array(pairs.map { "\($0.0.formEncoded)=\($0.1.formEncoded)" }.joined(separator: "&").utf8)
    }

    /// An error description from a provider, cut to one short line: it names what was refused,
    /// and the dead letter's reason should stay readable.
    static func oneLine(_ text: String, limit: Int = 200) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        return line.count > limit ? String(line.prefix(limit)) + "…" : line
    }
}
