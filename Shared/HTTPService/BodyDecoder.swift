import Foundation
import Hummingbird
import PasswordlessCore

/// The request decoder of every service (``PasswordlessRequestContext``'s `requestDecoder`):
/// reads a JSON or `application/x-www-form-urlencoded` body, as Auth0 accepts both, into a
/// request type, with Auth0's `bad.request` errors.
///
/// The body is parsed once, by ``JSONValueParser`` (which refuses a property named twice, as
/// `JSONDecoder` does not) or the form rules below, and the parsed object is decoded by
/// ``JSONValueDecoder``. For a ``DecodableBody`` the first property its `CodingKeys` do not list
/// is recorded for ``DecodableBody/rejectUnknown()``. `null` is absent. Bodies over ``limit`` are
/// refused with 413 before they are read in full.
public struct BodyDecoder: RequestDecoder {
    /// The largest body any endpoint reads.
    public static let limit = 16 * 1024

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        try await decode(type, from: request)
    }

    /// Reads and decodes the body; 400 `bad.request` when it is not a JSON object (or names a
    /// property twice), 415 when it is neither JSON nor a form.
    ///
    /// Only `application/json` (and `…+json`) is read as JSON: a body a web page can send
    /// without a CORS preflight (`text/plain`, no type at all) is refused, never parsed; an
    /// empty (or blank) body is `{}` whatever its type.
    public func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var body = try await request.body.collect(upTo: Self.limit)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        let mediaType = request.headers[.contentType].map(Self.mediaType) ?? ""
        return try Self.decode(type, members: try Self.members(of: bytes, mediaType: mediaType))
    }

    /// The body's top-level properties.
    static func members(of bytes: [UInt8], mediaType: String) throws(APIError) -> [String: JSONValue] {
        if mediaType == "application/x-www-form-urlencoded" { return form(String(decoding: bytes, as: UTF8.self)) }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [:] }
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw APIError.unsupportedMediaType
        }
        let value: JSONValue
        do throws(JSONValueParser.Invalid) {
            value = try JSONValueParser.parse(bytes)
        } catch {
            throw APIError.badRequest(
                error.duplicateKey ? "The request body names a property twice." : "The request body is not valid JSON.")
        }
        guard case .object(let members) = value else { throw APIError.badRequest("The request body must be a JSON object.") }
        return members
    }

    /// The request type decoded from `members`, with its unknown property noted when it is a ``DecodableBody``.
    static func decode<T: Decodable>(_ type: T.Type, members: [String: JSONValue]) throws -> T {
        guard let bodyType = type as? any DecodableBody.Type else { return try T(from: JSONValueDecoder(.object(members))) }
        // The opened type is `T` itself, so the cast back cannot fail.
        return try decodeBody(bodyType, from: members) as! T
    }

    private static func decodeBody<Body: DecodableBody>(_ type: Body.Type, from members: [String: JSONValue]) throws -> Body {
        var body = try Body(from: JSONValueDecoder(.object(members)))
        body.unknownProperty = members.keys.filter { Body.CodingKeys(stringValue: $0) == nil }.min()
        return body
    }

    /// `Application/JSON; charset=utf-8` → `application/json`.
    public static func mediaType(_ contentType: String) -> String {
        String(contentType.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// `a=1&b=x+y` → `["a": "1", "b": "x y"]`: every value a string, the last of a repeated name
    /// wins, and a malformed `%` escape stays as it was sent. (Hummingbird's
    /// `URLEncodedFormDecoder` refuses repeats and bad escapes and reads `a[b]` as nesting, so
    /// it would change what these routes accept.)
    public static func form(_ text: String) -> [String: JSONValue] {
        var values: [String: JSONValue] = [:]
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part) }
            values[decode(parts[0])] = .string(parts.count > 1 ? decode(parts[1]) : "")
        }
        return values
    }
}
