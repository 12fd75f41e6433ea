import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import PasswordlessCore
import Testing

/// Request bodies: the hand-written JSON reader accepts what RFC 8259 allows and refuses the rest
/// with Auth0's `bad.request`, form bodies read the same, and ``BodyDecoder`` keeps the rules of
/// every route: unknown properties, wrong types and NUL characters refused with Auth0's texts.
@Suite("Request decoder")
struct RequestDecoderTests {
    /// Every kind of JSON value, as the parser read it.
    struct Values: DecodableBody {
        enum CodingKeys: String, CodingKey {
            case s, n, z, t, f, x, o, e
        }

        var s, n, z, t, f, x, o, e: JSONValue
        var unknownProperty: String?
    }

    /// A small request type: a string, a boolean and an arbitrary value.
    struct Sample: DecodableBody {
        enum CodingKeys: String, CodingKey {
            case name, flag, extra, x
            case accented = "é"
            case clientID = "client_id"
            case phoneNumber = "phone_number"
            case scope
        }

        var name: BodyProperty<String>
        var flag: BodyProperty<Bool>
        var extra: JSONValue?
        var x: BodyProperty<String>
        var accented: BodyProperty<String>
        var clientID: BodyProperty<String>
        var phoneNumber: BodyProperty<String>
        var scope: BodyProperty<String>
        var unknownProperty: String?
    }

    static func decode<T: Decodable>(_ type: T.Type, _ body: String, contentType: String? = "application/json") async throws -> T {
        var fields: HTTPFields = [:]
        if let contentType { fields[.contentType] = contentType }
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/", headerFields: fields),
            body: .init(buffer: ByteBuffer(string: body)))
        return try await BodyDecoder().decode(type, from: request)
    }

    static func parse(_ body: String, contentType: String? = "application/json") async throws -> Sample {
        try await decode(Sample.self, body, contentType: contentType)
    }

    @Test func readsEveryKindOfValue() async throws {
        let body =
            #" { "s": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00", "n": -12.5e2, "z": 0, "t": true, "f": false, "x": null, "#
            + #""o": {"k": [1, "two", {"three": []}]}, "e": {}, "é": "ü" } "#
        let values = try await Self.decode(Values.self, body)
        #expect(values.s == .string("a\"b\\c/d\n\té😀"))
        #expect(values.n == .number(-1250))
        #expect(values.z == .number(0))
        #expect(values.t == .bool(true))
        #expect(values.f == .bool(false))
        #expect(values.x == .null)
        #expect(values.o == .object(["k": .array([.number(1), .string("two"), .object(["three": .array([])])])]))
        #expect(values.e == .object([:]))
        let sample = try await Self.decode(Sample.self, body)
        #expect(try sample.accented.value == "ü")
        #expect(try sample.x.value == nil)
    }

    @Test(arguments: [
        "{", "}", #"{"a":1,}"#, #"{"a" 1}"#, #"{"a":"unterminated}"#, "{\"a\":\"tab\there\"}", #"{"a":01}"#, #"{"a":1.}"#, #"{"a":-}"#,
        #"{"a":tru}"#, #"{"a":1} {"#, #"{"a":"\x"}"#, #"{"a":"\ud83d"}"#, #"{"a":"\u12"}"#, "[" + String(repeating: "[", count: 40) + "]",
        #"{'a':1}"#,
    ])
    func refusesWhatIsNotJSON(_ body: String) async throws {
        let error = await #expect(throws: APIError.self) { try await Self.parse(body) }
        #expect(error?.errorDescription == "The request body is not valid JSON.")
        #expect(error?.statusCode == 400)
    }

    @Test func refusesJSONThatIsNotAnObject() async throws {
        for body in ["[1]", "\"text\"", "3", "null"] {
            let error = await #expect(throws: APIError.self) { try await Self.parse(body) }
            #expect(error?.errorDescription == "The request body must be a JSON object.")
            #expect(error?.error == "bad.request")
        }
    }

    @Test func formBodiesReadTheSame() async throws {
        let sample = try await Self.parse(
            "client_id=abc&phone_number=%2B14251112222&scope=openid+email", contentType: "application/x-www-form-urlencoded")
        #expect(try sample.clientID.value == "abc")
        #expect(try sample.phoneNumber.value == "+14251112222")
        #expect(try sample.scope.value == "openid email")
    }

    @Test func refusesAPropertyNamedTwice() async throws {
        let error = await #expect(throws: APIError.self) { try await Self.parse(#"{"name":"a","name":"b"}"#) }
        #expect(error?.error == "bad.request")
        #expect(error?.errorDescription == "The request body names a property twice.")
    }

    @Test func namesTheFirstUnknownPropertyWhenAsked() async throws {
        let sample = try await Self.parse(#"{"name":"a","zeta":1,"beta":2}"#)
        #expect(try sample.name.value == "a")
        let error = #expect(throws: APIError.self) { try sample.rejectUnknown() }
        #expect(error?.error == "bad.request")
        #expect(error?.errorDescription == "Unknown property: beta")
        let long = String(repeating: "q", count: 100)
        let echoed = await #expect(throws: APIError.self) { try await Self.decode(Sample.self, "{\"\(long)\":1}").rejectUnknown() }
        #expect(echoed?.errorDescription == "Unknown property: \(String(repeating: "q", count: 64))…")
        await #expect(throws: Never.self) { try await Self.decode(Sample.self, #"{"name":"a","flag":true}"#).rejectUnknown() }
    }

    @Test func refusesAWrongTypeWhenTheRouteReadsIt() async throws {
        let sample = try await Self.parse(#"{"name": 5, "flag": "yes", "x": {"a": 1}}"#)
        #expect(#expect(throws: APIError.self) { try sample.name.value }?.errorDescription == "The property name must be a string.")
        #expect(#expect(throws: APIError.self) { try sample.flag.value }?.errorDescription == "The property flag must be a boolean.")
        #expect(#expect(throws: APIError.self) { try sample.x.value }?.errorDescription == "The property x must be a string.")
        let number = try await Self.parse(#"{"flag": 1}"#)
        #expect(#expect(throws: APIError.self) { try number.flag.value }?.error == "bad.request")
    }

    @Test func refusesANulCharacter() async throws {
        let sample = try await Self.parse(#"{"name": "a\u0000b"}"#)
        let error = #expect(throws: APIError.self) { try sample.name.value }
        #expect(error?.error == "bad.request")
        #expect(error?.errorDescription == "The property name contains a NUL character.")
    }

    @Test func nullIsAbsent() async throws {
        let sample = try await Self.parse(#"{"name": null, "flag": null, "extra": null}"#)
        #expect(try sample.name.value == nil)
        #expect(try sample.flag.value == nil)
        #expect(sample.extra == nil)
        #expect(sample.unknownProperty == nil)
    }

    @Test func readsBooleansFromFormsAndStrings() async throws {
        let form = "application/x-www-form-urlencoded"
        #expect(try await Self.parse("flag=true", contentType: form).flag.value == true)
        #expect(try await Self.parse("flag=false", contentType: form).flag.value == false)
        #expect(try await Self.parse(#"{"flag": "false"}"#).flag.value == false)
        #expect(try await Self.parse(#"{"flag": true}"#).flag.value == true)
        let refused = try await Self.parse("flag=1", contentType: form)
        #expect(#expect(throws: APIError.self) { try refused.flag.value }?.errorDescription == "The property flag must be a boolean.")
    }

    @Test func refusesBodiesThatAreNeitherJSONNorAForm() async throws {
        for contentType in ["text/plain", nil, "application/xml", "multipart/form-data"] {
            let error = await #expect(throws: APIError.self) { try await Self.parse(#"{"name":"a"}"#, contentType: contentType) }
            #expect(error?.statusCode == 415)
            #expect(error?.error == "unsupported_media_type")
        }
        // An empty or blank body is `{}`, whatever its type.
        #expect(try await Self.parse("", contentType: nil).unknownProperty == nil)
        #expect(try await Self.parse(" \r\n\t", contentType: "text/plain").name.value == nil)
        // JSON by any `+json` type, in any case, with parameters.
        #expect(try await Self.parse(#"{"name":"a"}"#, contentType: "Application/JSON; charset=utf-8").name.value == "a")
        #expect(try await Self.parse(#"{"name":"b"}"#, contentType: "application/vnd.api+json").name.value == "b")
    }

    @Test func refusesBodiesOverTheLimit() async throws {
        let big = "{\"name\":\"" + String(repeating: "a", count: BodyDecoder.limit) + "\"}"
        let error = await #expect(throws: (any Error).self) { try await Self.parse(big) }
        #expect((error as? any HTTPResponseError)?.status == .contentTooLarge)
    }
}
