import Foundation
import HTTPService
import JWTKit
import LoginCodes
import PasswordlessCore
import PostgresNIO
import RedisClient
import Testing
import Tokens

/// Who may get what: tokens carry only registered audiences and scopes, confidential clients
/// authenticate, grants and page origins are the client's own, and nothing a caller can observe
/// tells who exists on a closed connection. Each test names the finding of the "Trust I" review
/// it keeps closed.
@Suite("Authorization and privacy", .serialized)
struct AuthorizationTests {
    static let otpGrant = FlowTests.otpGrant

    static func start(
        _ stack: PasswordlessStack, client: String, phone: String, connection: String = "sms", headers: [String: String] = [:],
        extra: [String: Any] = [:]
    ) async throws -> HTTPProbe.Reply {
        try await stack.post(
            "/passwordless/start", json: ["client_id": client, "connection": connection, "phone_number": phone].merging(extra) { $1 },
            headers: headers)
    }

    /// `viaCurl` for answers that may be a 401 with `WWW-Authenticate` (``HTTPProbe/curl(_:_:body:headers:)``).
    static func exchange(
        _ stack: PasswordlessStack, client: String, phone: String, code: String, extra: [String: Any] = [:],
        headers: [String: String] = [:], viaCurl: Bool = false
    ) async throws -> HTTPProbe.Reply {
        let body: [String: Any] = ["grant_type": otpGrant, "client_id": client, "username": phone, "otp": code, "realm": "sms"].merging(
            extra
        ) { $1 }
        guard viaCurl else { return try await stack.post("/oauth/token", json: body, headers: headers) }
        return try await stack.postViaCurl("/oauth/token", json: body, headers: headers)
    }

    static func basic(_ id: String, _ secret: String) -> String {
        "Basic " + Data("\(id):\(secret)".utf8).base64EncodedString()
    }

    static func payload(_ jwt: String) -> [String: Any] {
        let part = jwt.split(separator: ".")[1]
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return (try? JSONSerialization.jsonObject(with: Data(base64Encoded: text) ?? Data())) as? [String: Any] ?? [:]
    }

    // MARK: Finding 1: any audience and any scope was signed

    @Test func accessTokensCarryOnlyRegisteredAudiencesAndScopes() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let api = try await stack.create([
                "api", "create", "--tenant", "acme", "--identifier", "https://api.acme.example", "--scopes", "read:orders,write:orders",
                "--token-lifetime", "600",
            ])
            #expect(api["identifier"] as? String == "https://api.acme.example")
            #expect(api["scopes"] as? [String] == ["read:orders", "write:orders"])
            #expect(api["token_lifetime"] as? Int == 600)
            #expect(try await stack.admin(["api", "list", "--tenant", "acme"]).output.contains("https://api.acme.example"))

            let phone = "+14155557000"
            #expect(try await Self.start(stack, client: tenant.clientID, phone: phone).status == 200)
            let code = try await stack.smsCode(to: phone)
            let unknown = try await Self.exchange(
                stack, client: tenant.clientID, phone: phone, code: code,
                extra: ["audience": "https://api.bank.example", "scope": "openid delete:users admin:all"])
            #expect(unknown.status == 403)
            #expect(unknown.json?["error"] as? String == "access_denied")
            #expect(unknown.json?["error_description"] as? String == "Service not found: https://api.bank.example")

            // The refusal did not spend the code; the registered API gets only what it defines.
            let granted = try await Self.exchange(
                stack, client: tenant.clientID, phone: phone, code: code,
                extra: ["audience": "https://api.acme.example", "scope": "openid read:orders delete:users admin:all offline_access"])
            #expect(granted.status == 200, "\(String(decoding: granted.body, as: UTF8.self))")
            #expect(granted.json?["scope"] as? String == "openid read:orders")
            #expect(granted.json?["expires_in"] as? Int == 600)
            let claims = Self.payload(try #require(granted.json?["access_token"] as? String))
            #expect(claims["scope"] as? String == "openid read:orders")
            #expect((claims["aud"] as? [String])?.contains("https://api.acme.example") == true)
            #expect((claims["aud"] as? [String])?.contains("https://api.bank.example") != true)
            let lifetime = (claims["exp"] as? Double ?? 0) - (claims["iat"] as? Double ?? 0)
            #expect(lifetime == 600)

            // Without an audience, the opaque /userinfo token carries OIDC scopes only.
            #expect(try await Self.start(stack, client: tenant.clientID, phone: phone).status == 200)
            let second = try await stack.smsCode(to: phone, count: 2)
            let opaque = try await Self.exchange(
                stack, client: tenant.clientID, phone: phone, code: second, extra: ["scope": "openid phone admin:all"])
            #expect(opaque.status == 200)
            #expect(opaque.json?["scope"] as? String == "openid phone")

            // Operators can change and remove an API.
            let updated = try await stack.create([
                "api", "update", "--tenant", "acme", "https://api.acme.example", "--scopes", "read:orders",
            ])
            #expect(updated["scopes"] as? [String] == ["read:orders"])
            #expect(updated["token_lifetime"] as? Int == 600, "a flag not given stays as it was")
            #expect(try await stack.admin(["api", "delete", "--tenant", "acme", "https://api.acme.example"], json: false).status == 0)
            let gone = try await stack.admin(["api", "show", "--tenant", "acme", "https://api.acme.example"])
            #expect(gone.status != 0)
            #expect(gone.output.contains("has no API https://api.acme.example"))
        }
    }

    // MARK: Finding 2: confidential clients never had to authenticate

    @Test func confidentialClientsAuthenticateOnEveryCall() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let backend = try await stack.create(["client", "create", "--tenant", "acme", "--name", "backend", "--type", "confidential"])
            #expect(backend["type"] as? String == "confidential")
            let id = backend["client_id"] as! String
            let issued = backend["client_secret"] as! String
            // A new secret before first use (the services cache clients for 10 s).
            let rotated = try await stack.create(["client", "rotate-secret", id])
            let secret = try #require(rotated["client_secret"] as? String)
            #expect(secret != issued)
            // What a Basic header carries must not reach a log either.
            stack.rememberSecret(String(Self.basic(id, secret).dropFirst(6)))

            let phone = "+14155557100"
            let bare = try await Self.start(stack, client: id, phone: phone)
            #expect(
                bare.status == 401 && bare.json?["error"] as? String == "access_denied", "a confidential client started without its secret")
            #expect(
                try await Self.start(stack, client: id, phone: phone, extra: ["client_secret": issued]).status == 401,
                "the rotated-out secret")
            #expect(
                try await Self.start(stack, client: id, phone: phone, extra: ["client_secret": secret]).status == 200, "client_secret_post")
            // The first code's SMS arrives before the second start, so SMS #2 carries the live code
            // (two jobs in flight at once may reach the provider in either order).
            _ = try await stack.smsCode(to: phone, count: 1)
            #expect(
                try await Self.start(stack, client: id, phone: phone, headers: ["Authorization": Self.basic(id, secret)]).status == 200,
                "basic")
            let both = try await Self.start(
                stack, client: id, phone: phone, headers: ["Authorization": Self.basic(id, secret)], extra: ["client_secret": secret])
            #expect(both.status == 400, "two authentication methods at once")

            let code = try await stack.smsCode(to: phone, count: 2)
            let missing = try await Self.exchange(stack, client: id, phone: phone, code: code, viaCurl: true)
            #expect(missing.status == 401 && missing.json?["error"] as? String == "invalid_client")
            #expect(missing.headers["www-authenticate"]?.hasPrefix("Basic") == true, "no WWW-Authenticate on the 401")
            let wrong = try await Self.exchange(
                stack, client: id, phone: phone, code: code, headers: ["Authorization": Self.basic(id, "nope")], viaCurl: true)
            #expect(wrong.status == 401 && wrong.json?["error"] as? String == "invalid_client")
            let viaBasic = try await stack.post(
                "/oauth/token", json: ["grant_type": Self.otpGrant, "username": phone, "otp": code, "realm": "sms"],
                headers: ["Authorization": Self.basic(id, secret)])
            #expect(
                viaBasic.status == 200,
                "client_secret_basic without client_id in the body: \(String(decoding: viaBasic.body, as: UTF8.self))")

            // The seed's /oauth/ro too.
            #expect(try await Self.start(stack, client: id, phone: phone, extra: ["client_secret": secret]).status == 200)
            let roCode = try await stack.smsCode(to: phone, count: 3)
            let ro: [String: Any] = [
                "client_id": id, "username": phone, "password": roCode, "connection": "sms", "grant_type": "password", "scope": "openid",
            ]
            let roMissing = try await stack.postViaCurl("/oauth/ro", json: ro)
            #expect(roMissing.status == 401 && roMissing.json?["error"] as? String == "invalid_client")
            #expect(try await stack.post("/oauth/ro", json: ro.merging(["client_secret": secret]) { $1 }).status == 200)

            // A public client has no secret to present.
            let spa = try await stack.create(["client", "create", "--tenant", "acme", "--name", "spa", "--type", "public"])
            #expect(spa["client_secret"] == nil)
            let spaID = spa["client_id"] as! String
            #expect(try await Self.start(stack, client: spaID, phone: phone, extra: ["client_secret": secret]).status == 401)
            // Listing and showing never print a secret.
            let listed = try await stack.admin(["client", "list", "--tenant", "acme"], json: false)
            #expect(listed.status == 0 && listed.output.contains(id) && !listed.output.contains(secret))
            let shown = try await stack.create(["client", "show", id])
            #expect(shown["type"] as? String == "confidential" && shown["client_secret"] == nil)
        }
    }

    @Test func grantsAreTheClientsOwn() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let otpOnly =
                try await stack.create(["client", "create", "--tenant", "acme", "--name", "otp", "--grant-types", "otp"])["client_id"]
                as! String
            let roOnly =
                try await stack.create(["client", "create", "--tenant", "acme", "--name", "ro", "--grant-types", "password"])["client_id"]
                as! String
            let phone = "+14155557200"
            let refused = try await Self.start(stack, client: roOnly, phone: phone)
            #expect(refused.status == 403 && refused.json?["error"] as? String == "unauthorized_client")
            #expect(try await Self.start(stack, client: otpOnly, phone: phone).status == 200)
            let code = try await stack.smsCode(to: phone)
            let token = try await Self.exchange(stack, client: roOnly, phone: phone, code: code)
            #expect(token.status == 403 && token.json?["error"] as? String == "unauthorized_client")
            let ro = try await stack.post(
                "/oauth/ro",
                json: ["client_id": otpOnly, "username": phone, "password": code, "connection": "sms", "grant_type": "password"])
            #expect(ro.status == 403 && ro.json?["error"] as? String == "unauthorized_client")
            #expect(
                try await Self.exchange(stack, client: otpOnly, phone: phone, code: code).status == 200,
                "the refusals did not spend the code")

            let updated = try await stack.create([
                "client", "update", roOnly, "--grant-types", "otp,password", "--callbacks", "https://app.acme.example/callback",
            ])
            #expect(updated["grant_types"] as? [String] == ["otp", "password"])
            #expect(updated["callbacks"] as? [String] == ["https://app.acme.example/callback"])
            #expect(updated["name"] as? String == "ro", "a flag not given stays as it was")
            let bad = try await stack.admin(["client", "update", roOnly, "--grant-types", "refresh_token"])
            #expect(bad.status != 0 && bad.output.contains("refresh_token"))
        }
    }

    // MARK: Finding 3: closed connections told who exists

    @Test func closedConnectionsAnswerAlikeForEveryone() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await SecurityTests.smsConnection(stack, name: "closed", ["--disable-signup"] + PasswordlessStack.unlimited)
            let token = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "create:users"])["token"] as! String
            let created = try await stack.post(
                "/api/v2/users", json: ["connection": "closed", "phone_number": "+14155557300"],
                headers: ["Authorization": "Bearer \(token)"])
            #expect(created.status == 201)
            let (real, ghost) = ("+14155557300", "+14155557399")

            // A stable _id for both.
            let realIDs = try await [1, 2].asyncMap { _ in
                try await Self.start(stack, client: tenant.clientID, phone: real, connection: "closed").json?["_id"] as? String
            }
            let ghostIDs = try await [1, 2].asyncMap { _ in
                try await Self.start(stack, client: tenant.clientID, phone: ghost, connection: "closed").json?["_id"] as? String
            }
            #expect(realIDs[0] != nil && realIDs[0] == realIDs[1])
            #expect(ghostIDs[0] != nil && ghostIDs[0] == ghostIDs[1], "the missing user's _id changes between calls")
            #expect(ghostIDs[0]?.count == realIDs[0]?.count)

            // The same answers to wrong codes, the third one included.
            func wrongTries(_ phone: String) async throws -> [String] {
                try await (0..<3).asyncMap { _ in
                    let reply = try await stack.post(
                        "/oauth/token",
                        json: [
                            "grant_type": Self.otpGrant, "client_id": tenant.clientID, "username": phone, "otp": "000000",
                            "realm": "closed",
                        ])
                    return "\(reply.status) \(reply.json?["error_description"] as? String ?? "")"
                }
            }
            let realAnswers = try await wrongTries(real)
            let ghostAnswers = try await wrongTries(ghost)
            #expect(realAnswers == ghostAnswers)
            #expect(realAnswers.last?.contains("maximum number of attempts") == true, "\(realAnswers)")

            // Public metrics are not on the public port.
            #expect(try await HTTPProbe.get(stack.gatewayURL + "/metrics").status == 404)
            #expect(try await HTTPProbe.get(stack.tokenURL + "/metrics").status == 404)
            let privateMetrics = String(decoding: try await HTTPProbe.get(stack.metricsURL("passwordless-gateway")).body, as: UTF8.self)
            #expect(privateMetrics.contains(#"outcome="not_sent""#), "the operator's metrics still count what was not sent")
        }
    }

    // MARK: Finding 4: any web page could make its visitors request codes

    @Test func browsersCallOnlyFromTheClientsOrigins() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let spa =
                try await stack.create([
                    "client", "create", "--tenant", "acme", "--name", "spa", "--web-origins",
                    "https://app.acme.example,http://localhost:3000",
                ])["client_id"] as! String
            let other =
                try await stack.create([
                    "client", "create", "--tenant", "acme", "--name", "other", "--web-origins", "https://other.acme.example",
                ])["client_id"] as! String
            let allowed = "https://app.acme.example"

            let preflight = try await HTTPProbe.send(
                "OPTIONS", stack.gatewayURL + "/passwordless/start",
                headers: [
                    "Origin": allowed, "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type,auth0-client",
                ])
            #expect(preflight.status == 204)
            #expect(preflight.headers["access-control-allow-origin"] == allowed)
            #expect(preflight.headers["access-control-allow-headers"]?.lowercased().contains("auth0-client") == true)
            #expect(preflight.headers["access-control-allow-methods"]?.contains("POST") == true)
            let evilPreflight = try await HTTPProbe.send(
                "OPTIONS", stack.gatewayURL + "/oauth/token",
                headers: ["Origin": "https://evil.example", "Access-Control-Request-Method": "POST"])
            #expect(evilPreflight.status == 403 && evilPreflight.headers["access-control-allow-origin"] == nil)

            let fromApp = try await Self.start(stack, client: spa, phone: "+14155557400", headers: ["Origin": allowed])
            #expect(fromApp.status == 200)
            #expect(fromApp.headers["access-control-allow-origin"] == allowed)
            let fromEvil = try await Self.start(stack, client: spa, phone: "+14155557401", headers: ["Origin": "https://evil.example"])
            #expect(fromEvil.status == 403 && fromEvil.json?["error"] as? String == "access_denied")
            let fromOtherClientsPage = try await Self.start(
                stack, client: spa, phone: "+14155557402", headers: ["Origin": "https://other.acme.example"])
            #expect(fromOtherClientsPage.status == 403, "an origin is allowed for the client that lists it, not for every client")
            #expect(
                try await Self.start(stack, client: other, phone: "+14155557403", headers: ["Origin": "https://other.acme.example"]).status
                    == 200)

            let code = try await stack.smsCode(to: "+14155557400")
            let evilToken = try await Self.exchange(
                stack, client: spa, phone: "+14155557400", code: code, headers: ["Origin": "https://evil.example"])
            #expect(evilToken.status == 403)
            let appToken = try await Self.exchange(stack, client: spa, phone: "+14155557400", code: code, headers: ["Origin": allowed])
            #expect(appToken.status == 200 && appToken.headers["access-control-allow-origin"] == allowed)
            #expect(stack.smsMessages().filter { $0.To == "+14155557401" || $0.To == "+14155557402" }.isEmpty)

            let jwks = try await HTTPProbe.get(stack.gatewayURL + "/.well-known/jwks.json", headers: ["Origin": "http://localhost:3000"])
            #expect(jwks.status == 200 && jwks.headers["access-control-allow-origin"] == "http://localhost:3000")
        }
    }
}

extension Sequence {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
