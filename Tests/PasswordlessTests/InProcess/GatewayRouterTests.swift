import Foundation
import GatewayApp
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The gateway's routes in process: `Gateway.buildApplication`, the same wiring as the
/// executable, against real PostgreSQL and Redis, through `app.test(.router)`.
@Suite("Gateway routes, in process", .serialized)
struct GatewayRouterTests {
    static func withGateway(_ body: @Sendable @escaping (InProcessFixture, any TestClientProtocol) async throws -> Void) async throws {
        try await InProcessFixture.with { fixture in
            let app = try Gateway.buildApplication(
                configuration: fixture.configuration, registry: RouterTest.registry(), logger: RouterTest.logger)
            try await app.test(.router) { client in try await body(fixture, client) }
        }
    }

    @Test func anSMSStartAnswersAuth0sShapeAndQueuesTheCode() async throws {
        try await Self.withGateway { fixture, client in
            let reply = try await RouterTest.post(
                client, "/passwordless/start",
                ["client_id": fixture.publicClient, "connection": "sms", "phone_number": "+1 (425) 555-0100", "send": "code"])
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "application/json; charset=utf-8")
            #expect(reply.object["phone_number"] as? String == "+14255550100")
            #expect(reply.object["phone_verified"] as? Bool == false)
            #expect(reply.object["request_language"] is NSNull)
            #expect((reply.object["_id"] as? String)?.count == 24)
            let code = try await fixture.queuedCode(for: "+14255550100")
            #expect(code?.count == 6 && code?.allSatisfy(\.isNumber) == true)
        }
    }

    @Test func anEmailStartNormalisesTheAddress() async throws {
        try await Self.withGateway { fixture, client in
            let reply = try await RouterTest.post(
                client, "/passwordless/start",
                ["client_id": fixture.publicClient, "connection": "email", "email": "Ann@EXAMPLE.com", "send": "code"])
            #expect(reply.status == .ok)
            #expect(reply.object["email"] as? String == "ann@example.com")
            #expect(reply.object["email_verified"] as? Bool == false)
            #expect(try await fixture.queuedJobs() == 1)
        }
    }

    @Test func aFormBodyStartsAsJSONDoes() async throws {
        try await Self.withGateway { fixture, client in
            let reply = try await client.execute(
                uri: "/passwordless/start", method: .post, headers: RouterTest.formHeaders,
                body: RouterTest.form(["client_id": fixture.publicClient, "connection": "sms", "phone_number": "+14255550101"]))
            #expect(reply.status == .ok)
            #expect(reply.object["phone_number"] as? String == "+14255550101")
        }
    }

    @Test func startRefusesWhatAuth0Refuses() async throws {
        try await Self.withGateway { fixture, client in
            let client_id = fixture.publicClient
            let cases: [([String: Any], HTTPResponse.Status, String, String)] = [
                (
                    ["connection": "sms", "phone_number": "+14255550100"], .badRequest, "bad.client_id",
                    "Missing required property: client_id"
                ),
                (
                    ["client_id": "nobody", "connection": "sms", "phone_number": "+14255550100"], .badRequest, "bad.client_id",
                    "Unknown client: nobody"
                ),
                (
                    ["client_id": client_id, "phone_number": "+14255550100"], .badRequest, "bad.connection",
                    "Missing required property: connection"
                ),
                (
                    ["client_id": client_id, "connection": "fax", "phone_number": "+1"], .badRequest, "bad.connection",
                    "Connection does not exist"
                ),
                (
                    ["client_id": client_id, "connection": "sms"], .badRequest, "bad.phone_number",
                    "Missing required property: phone_number"
                ),
                (
                    ["client_id": client_id, "connection": "sms", "phone_number": "555"], .badRequest, "bad.phone_number",
                    "The phone_number must be in E.164 format (+ and 1 to 15 digits)."
                ),
                (
                    ["client_id": client_id, "connection": "email", "email": "no-at-sign"], .badRequest, "bad.email",
                    "The email is not a valid address."
                ),
                (
                    ["client_id": client_id, "connection": "sms", "phone_number": "+14255550100", "colour": "red"], .badRequest,
                    "bad.request",
                    "Unknown property: colour"
                ),
                (
                    ["client_id": client_id, "connection": "sms", "phone_number": "+14255550100", "send": "pigeon"], .badRequest,
                    "bad.request",
                    "The property send must be \"code\" or \"link\"."
                ),
                (
                    ["client_id": client_id, "connection": "sms", "phone_number": 14_255_550_100], .badRequest, "bad.request",
                    "The property phone_number must be a string."
                ),
                (
                    ["client_id": client_id, "connection": "sms", "phone_number": "+14255550100", "authParams": "scope"], .badRequest,
                    "bad.authParams", "authParams must be an object."
                ),
            ]
            for (body, status, error, description) in cases {
                let reply = try await RouterTest.post(client, "/passwordless/start", body)
                #expect(reply.status == status, "\(body)")
                #expect(reply.auth0Error.error == error, "\(body)")
                #expect(reply.auth0Error.description == description, "\(body)")
            }
            #expect(try await fixture.queuedJobs() == 0)
        }
    }

    @Test func confidentialClientsMustAuthenticateToStart() async throws {
        try await Self.withGateway { fixture, client in
            let (id, secret) = fixture.confidentialClient
            let body: [String: Any] = ["client_id": id, "connection": "sms", "phone_number": "+14255550102"]
            let anonymous = try await RouterTest.post(client, "/passwordless/start", body)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.auth0Error.error == "access_denied")
            var withSecret = body
            withSecret["client_secret"] = "wrong"
            #expect(try await RouterTest.post(client, "/passwordless/start", withSecret).status == .unauthorized)
            withSecret["client_secret"] = secret
            #expect(try await RouterTest.post(client, "/passwordless/start", withSecret).status == .ok)
            let basic = "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
            #expect(try await RouterTest.post(client, "/passwordless/start", body, headers: [.authorization: basic]).status == .ok)
        }
    }

    @Test func bodiesThatAreNotJSONObjectsAreRefused() async throws {
        try await Self.withGateway { _, client in
            let plain = try await client.execute(
                uri: "/passwordless/start", method: .post, headers: [.contentType: "text/plain"], body: ByteBuffer(string: "{}"))
            #expect(plain.status == .unsupportedMediaType)
            let broken = try await client.execute(
                uri: "/passwordless/start", method: .post, headers: RouterTest.jsonHeaders, body: ByteBuffer(string: #"{"a":1,"a":2}"#))
            #expect(broken.status == .badRequest)
            #expect(broken.auth0Error.description == "The request body names a property twice.")
            let large = try await client.execute(
                uri: "/passwordless/start", method: .post, headers: RouterTest.jsonHeaders,
                body: ByteBuffer(string: "{\"a\":\"" + String(repeating: "x", count: 20_000) + "\"}"))
            #expect(large.status == .contentTooLarge)
        }
    }

    @Test func wrongMethodsAndUnknownPathsAnswerInAuth0sShape() async throws {
        try await Self.withGateway { _, client in
            let wrongMethod = try await client.execute(uri: "/passwordless/start", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow]?.contains("POST") == true)
            let missing = try await client.execute(uri: "/nowhere", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.auth0Error.error != nil)
        }
    }

    @Test func healthReadinessAndTheOpenAPIDocument() async throws {
        try await Self.withGateway { _, client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
            let document = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(document.status == .ok)
            #expect(document.object["openapi"] as? String == "3.0.3")
            #expect(document.body.readableBytes == OpenAPIDocument.bytes.count)
        }
    }

    @Test func managementCallsNeedATokenWithTheirScope() async throws {
        try await Self.withGateway { fixture, client in
            let anonymous = try await client.execute(uri: "/api/v2/users-by-email?email=a@example.com", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.managementError.code == "unauthorized" && anonymous.managementError.statusCode == 401)
            #expect(anonymous.managementError.error == "Unauthorized")
            let bearer: HTTPFields = [.authorization: "Bearer \(fixture.managementToken)"]
            let created = try await RouterTest.post(
                client, "/api/v2/users", ["connection": "email", "email": "bo@example.com", "email_verified": true], headers: bearer)
            #expect(created.status == .created)
            #expect(created.object["email_verified"] as? Bool == true)
            let id = try #require(created.object["user_id"] as? String)
            let found = try await client.execute(uri: "/api/v2/users-by-email?email=bo@example.com", method: .get, headers: bearer)
            #expect(found.status == .ok)
            let list = (try? JSONSerialization.jsonObject(with: Data(buffer: found.body))) as? [[String: Any]]
            #expect(list?.map { $0["user_id"] as? String } == [id])
            let shown = try await client.execute(
                uri: "/api/v2/users/\(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", method: .get, headers: bearer)
            #expect(shown.status == .ok)
            #expect(shown.object["email"] as? String == "bo@example.com")
            let unknown = try await client.execute(uri: "/api/v2/users/email%7Cffffffffffffffffffffffff", method: .get, headers: bearer)
            #expect(unknown.status == .notFound)
            #expect(unknown.managementError.code == "inexistent_user" && unknown.managementError.message == "The user does not exist.")
            #expect(try await fixture.queuedJobs() == 0)
        }
    }

    @Test func theSeedsRegistrationCreatesTheUserAndSendsACode() async throws {
        try await Self.withGateway { fixture, client in
            let reply = try await RouterTest.post(
                client, "/api/users", ["connection": "sms", "phone_number": "+14255550177"],
                headers: [.authorization: "Bearer \(fixture.managementToken)"])
            #expect(reply.status == .ok)
            #expect(reply.object["phone_number"] as? String == "+14255550177")
            #expect(try await fixture.queuedCode(for: "+14255550177") != nil)
        }
    }

    @Test func preflightsAnswerOnlyListedOrigins() async throws {
        try await Self.withGateway { _, client in
            func preflight(_ origin: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/passwordless/start", method: .options, headers: [.origin: origin, .accessControlRequestMethod: "POST"])
            }
            let listed = try await preflight(InProcessFixture.webOrigin)
            #expect(listed.status == .noContent)
            #expect(listed.headers[.accessControlAllowOrigin] == InProcessFixture.webOrigin)
            #expect(listed.headers[.accessControlAllowMethods] == "POST, OPTIONS")
            let stranger = try await preflight("https://evil.example")
            #expect(stranger.status == .forbidden)
            #expect(stranger.auth0Error.description == "Origin https://evil.example is not allowed.")
            #expect(stranger.headers[.accessControlAllowOrigin] == nil)
        }
    }
}
