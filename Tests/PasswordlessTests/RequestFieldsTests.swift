import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import PasswordlessCore
import Testing

/// Request bodies: the hand-written JSON reader accepts what RFC 8259 allows and refuses the rest
/// with Auth0's `bad.request`, and form bodies read the same.
@Suite("Request fields")
struct RequestFieldsTests {
    static func parse(_ body: String, contentType: String = "application/json") async throws -> RequestFields {
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/", headerFields: [.contentType: contentType]),
            body: .init(buffer: ByteBuffer(string: body)))
        return try await RequestFields.parse(request)
    }

    @Test func readsEveryKindOfValue() async throws {
        let fields = try await Self.parse(
            #" { "s": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "n": -12.5e2, "z": 0, "t": true, "f": false, "x": null, "#
                + #""o": {"k": [1, "two", {"three": []}]}, "e": {}, "é": "ü" } "#)
        #expect(fields.values["s"] == .string("a\"b\\c/d\n\té😀"))
        #expect(fields.values["n"] == .number(-1250))
        #expect(fields.values["z"] == .number(0))
        #expect(fields.values["t"] == .bool(true))
        #expect(fields.values["f"] == .bool(false))
        #expect(fields.values["x"] == .null)
        #expect(fields.values["o"] == .object(["k": .array([.number(1), .string("two"), .object(["three": .array([])])])]))
        #expect(fields.values["e"] == .object([:]))
        #expect(try fields.string("é") == "ü")
        #expect(try fields.string("x") == nil)
    }

    @Test(arguments: [
        "{", "}", #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":"unterminated}"#, "{\"a\":\"tab\there\"}", #"{"a":01}"#, #"{"a":1.}"#, #"{"a":-}"#,
        #"{"a":tru}"#, #"{"a":1} {"#, #"{"a":"\x"}"#, #"{"a":"\ud83d"}"#, #"{"a":"\u12"}"#, "[" + String(repeating: "[", count: 40) + "]",
        #"{'a':1}"#,
    ])
    func refusesWhatIsNotJSON(_ body: String) async throws {
        await #expect(throws: APIError.self) { try await Self.parse(body) }
    }

    @Test func refusesJSONThatIsNotAnObject() async throws {
        for body in ["[1]", "\"text\"", "3", "null"] {
            let error = await #expect(throws: APIError.self) { try await Self.parse(body) }
            #expect(error?.errorDescription == "The request body must be a JSON object.")
            #expect(error?.error == "bad.request")
        }
    }

    @Test func formBodiesReadTheSame() async throws {
        let fields = try await Self.parse("client_id=abc&phone_number=%2B14251112222&scope=openid+email", contentType: "application/x-www-form-urlencoded")
        #expect(try fields.string("client_id") == "abc")
        #expect(try fields.string("phone_number") == "+14251112222")
        #expect(try fields.string("scope") == "openid email")
    }
}
