import Foundation
import GatewayApp
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import Testing
import TokenApp

/// The token service's routes in process, with codes sent by the gateway built in the same
/// process: `/oauth/token`, `/oauth/ro`, JWKS, discovery and `/userinfo`, successes and refusals.
@Suite("Token routes, in process", .serialized)
struct TokenRouterTests {
    static let otpGrant = "http://auth0.com/oauth/grant-type/passwordless/otp"

    /// Sends a code to `phone` through a gateway built in this process, and returns it as the
    /// dispatcher would read it from the queue.
    static func sendCode(_ fixture: InProcessFixture, to phone: String) async throws -> String {
        let gateway = try Gateway.buildApplication(
            configuration: fixture.configuration, registry: RouterTest.registry(), logger: RouterTest.logger)
        try await gateway.test(.router) { client in
            let started = try await RouterTest.post(
                client, "/passwordless/start", ["client_id": fixture.publicClient, "connection": "sms", "phone_number": phone])
            #expect(started.status == .ok)
        }
        return try #require(try await fixture.queuedCode(for: phone))
    }

    /// Runs `body` on a token service built now, with its test client.
    static func withTokenService<T: Sendable>(
        _ fixture: InProcessFixture, _ body: @Sendable @escaping (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let token = try TokenService.buildApplication(
            configuration: fixture.configuration, registry: RouterTest.registry(), logger: RouterTest.logger)
        return try await token.test(.router) { client in try await body(client) }
    }

    /// Runs `body` with the token service's test client, after the gateway sent a code to
    /// `phone` (returned with it).
    static func withToken(
        phone: String = "+14255550123", _ body: @Sendable @escaping (InProcessFixture, any TestClientProtocol, String) async throws -> Void
    ) async throws {
        try await InProcessFixture.with { fixture in
            let code = try await sendCode(fixture, to: phone)
            try await withTokenService(fixture) { client in try await body(fixture, client, code) }
        }
    }

    static func exchange(_ fixture: InProcessFixture, code: String, extra: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "grant_type": otpGrant, "client_id": fixture.publicClient, "realm": "sms", "username": "+14255550123", "otp": code,
            "scope": "openid phone",
        ]
        body.merge(extra) { $1 }
        return body
    }

    @Test func aCodeBuysSignedTokensOnce() async throws {
        try await Self.withToken { fixture, client, code in
            let reply = try await RouterTest.post(client, "/oauth/token", Self.exchange(fixture, code: code))
            #expect(reply.status == .ok)
            #expect(reply.headers[.cacheControl] == "no-store")
            #expect(reply.object["token_type"] as? String == "Bearer")
            #expect(reply.object["scope"] as? String == "openid phone")
            let idToken = try #require(reply.object["id_token"] as? String)

            let jwks = try await client.execute(uri: "/.well-known/jwks.json", method: .get)
            #expect(jwks.status == .ok)
            let keys = JWTKeyCollection()
            try await keys.add(jwksJSON: jwks.text)
            let claims = try await keys.verify(idToken, as: PhoneClaims.self)
            #expect(claims.phone_number == "+14255550123")
            #expect(claims.aud.value == [fixture.publicClient])

            let again = try await RouterTest.post(client, "/oauth/token", Self.exchange(fixture, code: code))
            #expect(again.status == .forbidden)
            #expect(again.auth0Error.error == "invalid_grant")
        }
    }

    /// No token service runs here: the gateway answers the exchange, JWKS and discovery itself.
    @Test func theGatewayServesTheTokenRoutesItself() async throws {
        try await InProcessFixture.with { fixture in
            let code = try await Self.sendCode(fixture, to: "+14255550123")
            let gateway = try Gateway.buildApplication(
                configuration: fixture.configuration, registry: RouterTest.registry(), logger: RouterTest.logger)
            try await gateway.test(.router) { client in
                let reply = try await RouterTest.post(client, "/oauth/token", Self.exchange(fixture, code: code))
                #expect(reply.status == .ok)
                let idToken = try #require(reply.object["id_token"] as? String)
                let jwks = try await client.execute(uri: "/.well-known/jwks.json", method: .get)
                let keys = JWTKeyCollection()
                try await keys.add(jwksJSON: jwks.text)
                #expect(try await keys.verify(idToken, as: PhoneClaims.self).phone_number == "+14255550123")
                let discovery = try await client.execute(uri: "/.well-known/openid-configuration", method: .get)
                #expect(discovery.status == .ok)
                let again = try await RouterTest.post(client, "/oauth/token", Self.exchange(fixture, code: code))
                #expect(again.auth0Error.error == "invalid_grant")
            }
        }
    }

    @Test func tokenRefusalsAreAuth0s() async throws {
        try await Self.withToken { fixture, client, code in
            let wrong = code == "000000" ? "111111" : "000000"
            let cases: [([String: Any], HTTPResponse.Status, String, String)] = [
                (Self.exchange(fixture, code: wrong), .forbidden, "invalid_grant", "Wrong phone number or verification code."),
                (["grant_type": "magic"], .badRequest, "unsupported_grant_type", "Unsupported grant type: magic"),
                ([:], .badRequest, "invalid_request", "Missing required parameter: grant_type"),
                (Self.exchange(fixture, code: code, extra: ["colour": "red"]), .badRequest, "bad.request", "Unknown property: colour"),
                (Self.exchange(fixture, code: code, extra: ["realm": "fax"]), .badRequest, "invalid_request", "Unknown realm: fax"),
                (
                    Self.exchange(fixture, code: code, extra: ["audience": "https://nowhere.example"]), .forbidden, "access_denied",
                    "Service not found: https://nowhere.example"
                ),
                (
                    Self.exchange(fixture, code: code, extra: ["client_id": fixture.roOnlyClient]), .forbidden, "unauthorized_client",
                    "Grant type '\(Self.otpGrant)' not allowed for the client."
                ),
            ]
            for (body, status, error, description) in cases {
                let reply = try await RouterTest.post(client, "/oauth/token", body)
                #expect(reply.status == status, "\(body)")
                #expect(reply.auth0Error.error == error, "\(body)")
                #expect(reply.auth0Error.description == description, "\(body)")
            }
            // One wrong code does not spend the right one.
            #expect(try await RouterTest.post(client, "/oauth/token", Self.exchange(fixture, code: code)).status == .ok)
        }
    }

    @Test func unknownAndUnauthenticatedClientsAreInvalidClients() async throws {
        try await Self.withToken { fixture, client, code in
            let unknown = try await RouterTest.post(
                client, "/oauth/token", Self.exchange(fixture, code: code, extra: ["client_id": "nobody"]))
            #expect(unknown.status == .unauthorized)
            #expect(unknown.auth0Error.error == "invalid_client")
            #expect(unknown.headers[.wwwAuthenticate] == "Basic realm=\"passwordless\", charset=\"UTF-8\"")
            let confidential = try await RouterTest.post(
                client, "/oauth/token", Self.exchange(fixture, code: code, extra: ["client_id": fixture.confidentialClient.id]))
            #expect(confidential.status == .unauthorized)
            #expect(confidential.auth0Error.description == "Client authentication is required.")
        }
    }

    @Test func anAPIAudienceGetsAnAccessTokenForItsScopes() async throws {
        try await Self.withToken { fixture, client, code in
            let reply = try await RouterTest.post(
                client, "/oauth/token",
                Self.exchange(fixture, code: code, extra: ["audience": fixture.audience, "scope": "openid read:things write:things"]))
            #expect(reply.status == .ok)
            #expect(reply.object["scope"] as? String == "openid read:things")
            #expect(reply.object["expires_in"] as? Int == 600)
        }
    }

    @Test func theLegacyResourceOwnerRouteAndUserinfo() async throws {
        try await Self.withToken { fixture, client, code in
            let form = RouterTest.form([
                // The client that asked for the code redeems it (codes are bound to their client).
                "grant_type": "password", "client_id": fixture.publicClient, "connection": "sms", "username": "+14255550123",
                "password": code, "scope": "openid phone",
            ])
            let reply = try await client.execute(uri: "/oauth/ro", method: .post, headers: RouterTest.formHeaders, body: form)
            #expect(reply.status == .ok)
            #expect(reply.object["token_type"] as? String == "bearer")
            let accessToken = try #require(reply.object["access_token"] as? String)

            let userinfo = try await client.execute(uri: "/userinfo", method: .get, headers: [.authorization: "Bearer \(accessToken)"])
            #expect(userinfo.status == .ok)
            #expect(userinfo.object["phone_number"] as? String == "+14255550123")
            let anonymous = try await client.execute(uri: "/userinfo", method: .get)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.auth0Error.error == "invalid_token")
        }
    }

    @Test func discoveryDescribesTheTenant() async throws {
        try await Self.withToken { _, client, _ in
            let reply = try await client.execute(uri: "/.well-known/openid-configuration", method: .get)
            #expect(reply.status == .ok)
            #expect(reply.object["issuer"] as? String == "https://localhost/")
            #expect(reply.object["jwks_uri"] as? String == "https://localhost/.well-known/jwks.json")
            #expect(try await client.execute(uri: "/oauth/token", method: .get).status == .methodNotAllowed)
        }
    }

    @Test func rotatedKeysKeepIssuedTokensVerifiable() async throws {
        try await InProcessFixture.with { fixture in
            /// Sends a code through the gateway and exchanges it on a token service built now, as a
            /// token service that (re)loaded the tenant's keys at that moment would.
            func login(_ phone: String) async throws -> (idToken: String, jwks: String) {
                let code = try await Self.sendCode(fixture, to: phone)
                return try await Self.withTokenService(fixture) { client in
                    var body = Self.exchange(fixture, code: code)
                    body["username"] = phone
                    let reply = try await RouterTest.post(client, "/oauth/token", body)
                    let idToken = try #require(reply.object["id_token"] as? String)
                    return (idToken, try await client.execute(uri: "/.well-known/jwks.json", method: .get).text)
                }
            }
            let before = try await login("+14155557000")
            let kid = try await fixture.rotateSigningKey()
            let after = try await login("+14155557001")
            let keys = try await JWTKeyCollection().add(jwksJSON: after.jwks)
            _ = try await keys.verify(before.idToken, as: PhoneClaims.self)
            _ = try await keys.verify(after.idToken, as: PhoneClaims.self)
            #expect(try TokenSignerTests.kid(after.idToken) == kid, "new tokens are not signed with the new key")
            #expect(after.jwks.components(separatedBy: "\"kid\"").count - 1 == 2, "the JWKS should hold the new and the previous key")
        }
    }
}

/// The claims of an id token for a phone number, as a relying party would read them.
struct PhoneClaims: JWTPayload {
    var sub: SubjectClaim
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var phone_number: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
