import Foundation
import Hummingbird
import PasswordlessCore

/// A request body's top-level fields, from JSON or `application/x-www-form-urlencoded` alike.
///
/// Token and start endpoints accept both encodings, as Auth0 does. `null` means absent.
/// Bodies over ``limit`` are refused with 413 before they are read in full.
public struct RequestFields: Sendable {
    /// A JSON value, enough to tell types apart and to pass objects through.
    public indirect enum Value: Sendable, Equatable {
        case string(String), number(Double), bool(Bool), object([String: Value]), array([Value]), null
    }

    /// The largest body any endpoint reads.
    public static let limit = 16 * 1024

    public var values: [String: Value]

    public init(values: [String: Value]) {
        self.values = values
    }

    /// Reads and parses the body; 400 `bad.request` when it is not a JSON object (or names a
    /// property twice), 415 when it is neither JSON nor a form.
    ///
    /// Only `application/json` (and `…+json`) is read as JSON: a body a web page can send
    /// without a CORS preflight (`text/plain`, no type at all) is refused, never parsed.
    public static func parse(_ request: Request) async throws -> RequestFields {
        var body = try await request.body.collect(upTo: limit)
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        let mediaType = request.headers[.contentType].map(Self.mediaType) ?? ""
        if mediaType == "application/x-www-form-urlencoded" {
            return RequestFields(values: form(String(decoding: bytes, as: UTF8.self)))
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return RequestFields(values: [:]) }
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw APIError.unsupportedMediaType
        }
        let value: Value
        do throws(JSONValueParser.Invalid) {
            value = try JSONValueParser.parse(bytes)
        } catch {
            throw APIError.badRequest(error.duplicateKey ? "The request body names a property twice." : "The request body is not valid JSON.")
        }
        guard case .object(let values) = value else { throw APIError.badRequest("The request body must be a JSON object.") }
        return RequestFields(values: values)
    }

    /// `Application/JSON; charset=utf-8` → `application/json`.
    static func mediaType(_ contentType: String) -> String {
        String(contentType.prefix { $0 != ";" }).trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// 400 `bad.request` naming the first property not in `allowed`.
    public func rejectUnknown(allowed: Set<String>) throws(APIError) {
        if let unknown = values.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("Unknown property: \(APIError.echo(unknown))")
        }
    }

    /// A string field; absent or `null` is nil, any other type is a `bad.request`, and so is a
    /// string with a NUL character (no identifier has one, and PostgreSQL text cannot hold it).
    public func string(_ name: String) throws(APIError) -> String? {
        switch values[name] {
        case nil, .null: return nil
        case .string(let value):
            guard !value.unicodeScalars.contains("\u{0}") else { throw .badRequest("The property \(name) contains a NUL character.") }
            return value
        default: throw .badRequest("The property \(name) must be a string.")
        }
    }

    /// A boolean field (`true`/`false`, or the strings of form bodies).
    public func bool(_ name: String) throws(APIError) -> Bool? {
        switch values[name] {
        case nil, .null: return nil
        case .bool(let value): return value
        case .string("true"): return true
        case .string("false"): return false
        default: throw .badRequest("The property \(name) must be a boolean.")
        }
    }

    static func form(_ text: String) -> [String: Value] {
        var values: [String: Value] = [:]
        for pair in text.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part) }
            values[decode(parts[0])] = .string(parts.count > 1 ? decode(parts[1]) : "")
        }
        return values
    }
}

/// JSON responses with stable key order.
public enum JSONResponse {
    public static func make(_ status: HTTPResponse.Status = .ok, _ value: some Encodable, headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder.sorted.encode(value))))
    }

    /// A response from a dictionary (for bodies whose keys vary), keys sorted. Values may be
    /// strings, booleans, integers, doubles, `NSNull` or `nil`, arrays and dictionaries of those.
    ///
    /// Written by hand rather than by `JSONSerialization`: every `/passwordless/start` and
    /// `/oauth/token` answer comes through here, and Foundation's bridging made it the largest
    /// single cost of the gateway's request path.
    public static func make(_ status: HTTPResponse.Status = .ok, object: [String: Any], headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        var buffer = ByteBuffer()
        buffer.reserveCapacity(256)
        try JSONWriter.write(object, to: &buffer)
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }

    /// A response whose body is a JSON array of such dictionaries.
    public static func make(_ status: HTTPResponse.Status = .ok, array: [[String: Any]], headers: HTTPFields = [:]) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        var buffer = ByteBuffer()
        try JSONWriter.write(array, to: &buffer)
        return Response(status: status, headers: fields, body: .init(byteBuffer: buffer))
    }
}

/// A minimal JSON writer for response bodies built from dictionaries.
enum JSONWriter {
    struct UnsupportedValue: Error, CustomStringConvertible {
        var type: String
        var description: String { "cannot write a \(type) as JSON" }
    }

    static func write(_ value: Any?, to buffer: inout ByteBuffer) throws {
        switch value {
        case nil, is NSNull: buffer.writeStaticString("null")
        case let string as String: writeString(string, to: &buffer)
        case let bool as Bool: buffer.writeStaticString(bool ? "true" : "false")
        case let int as Int: buffer.writeString(String(int))
        case let int as Int64: buffer.writeString(String(int))
        case let double as Double:
            guard double.isFinite else { throw UnsupportedValue(type: "non-finite number") }
            buffer.writeString(double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double))
        case let object as [String: Any]:
            buffer.writeInteger(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                writeString(key, to: &buffer)
                buffer.writeInteger(UInt8(ascii: ":"))
                try write(object[key]!, to: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "}"))
        case let array as [Any]:
            buffer.writeInteger(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
                try write(element, to: &buffer)
            }
            buffer.writeInteger(UInt8(ascii: "]"))
        case let optional as Any?:
            guard let unwrapped = optional else { buffer.writeStaticString("null"); return }
            throw UnsupportedValue(type: "\(type(of: unwrapped))")
        }
    }

    static func writeString(_ string: String, to buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case 0..<0x20:
                buffer.writeStaticString("\\u00")
                let digits: StaticString = "0123456789abcdef"
                buffer.writeInteger(digits.utf8Start[Int(byte >> 4)])
                buffer.writeInteger(digits.utf8Start[Int(byte & 0x0F)])
            default: buffer.writeInteger(byte)
            }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
