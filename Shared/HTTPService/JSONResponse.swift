import Foundation
import Hummingbird
import PasswordlessCore

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
