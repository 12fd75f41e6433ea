import Crypto
import Foundation
import GatewayApp
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import PasswordlessCore
import Testing
import TokenApp

/// Sign-in links in process: the gateway's checks at `/passwordless/start`, the token service's
/// pages and redirects on `/passwordless/verify_redirect`, `/passwordless/verify`, and the
/// authorization-code grant.
@Suite("Magic links, in process", .serialized)
struct MagicLinkRouterTests {
    static let address = "ada@example.com"

    /// A PKCE verifier and its S256 challenge.
    static func pkce() -> (verifier: String, challenge: String) {
        let verifier = CredentialHasher.generate(bytes: 32)
        return (verifier, Base64URL.encode(Array(SHA256.hash(data: Data(verifier.utf8)))))
    }

    /// `/passwordless/start` on a gateway built now.
    static func start(_ fixture: InProcessFixture, _ body: [String: Any]) async throws -> TestResponse {
        let gateway = try Gateway.buildApplication(
            configuration: fixture.configuration, registry: RouterTest.registry(), logger: RouterTest.logger)
        let json = RouterTest.json(body)
        return try await gateway.test(.router) { client in
            try await client.execute(uri: "/passwordless/start", method: .post, headers: RouterTest.jsonHeaders, body: json)
        }
    }

    /// A link request of the public client, `authParams` merged over a PKCE code request.
    static func linkRequest(
        _ fixture: InProcessFixture, challenge: String, _ authParams: [String: Any] = [:]
    ) -> [String: Any] {
        var params: [String: Any] = [
            "response_type": "code", "redirect_uri": InProcessFixture.callback, "scope": "openid email", "state": "s-42",
            "nonce": "n-42", "code_challenge": challenge, "code_challenge_method": "S256",
        ]
        params.merge(authParams) { $1 }
        return ["client_id": fixture.publicClient, "connection": "email", "email": address, "send": "link", "authParams": params]
    }

    /// Sends a link and returns its path and query, as a browser would request it.
    static func sendLink(_ fixture: InProcessFixture, _ body: [String: Any]) async throws -> String {
        let started = try await start(fixture, body)
        #expect(started.status == .ok, "\(started.text)")
        let link = try #require(try await fixture.queuedLink(for: address))
        #expect(link.hasPrefix("https://localhost/passwordless/verify_redirect?"))
        return String(link.dropFirst("https://localhost".count))
    }

    /// The query (or fragment) parameters of a URL.
    static func parameters(_ url: String, fragment: Bool = false) -> [String: String] {
        let components = URLComponents(string: url)
        let text = fragment ? components?.fragment ?? "" : components?.query ?? ""
        var values: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            values[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return values
    }

    /// Presses Continue: posts the link's parameters as the page's form does.
    static func `continue`(_ client: some TestClientProtocol, _ link: String) async throws -> TestResponse {
        let query = String(link.drop { $0 != "?" }.dropFirst())
        return try await client.execute(
            uri: "/passwordless/verify_redirect", method: .post, headers: RouterTest.formHeaders, body: ByteBuffer(string: query))
    }

    static func exchange(
        _ client: some TestClientProtocol, code: String, clientID: String, redirectURI: String = InProcessFixture.callback,
        extra: [String: String] = [:]
    ) async throws -> TestResponse {
        var fields = ["grant_type": "authorization_code", "client_id": clientID, "code": code, "redirect_uri": redirectURI]
        fields.merge(extra) { $1 }
        return try await client.execute(uri: "/oauth/token", method: .post, headers: RouterTest.formHeaders, body: RouterTest.form(fields))
    }

    @Test func startChecksWhatALinkAsksFor() async throws {
        try await InProcessFixture.with { fixture in
            let challenge = Self.pkce().challenge
            let cases: [([String: Any], HTTPResponse.Status, String)] = [
                (
                    Self.linkRequest(fixture, challenge: challenge, ["redirect_uri": "https://evil.example/cb"]), .badRequest,
                    "bad.redirect_uri"
                ),
                (Self.linkRequest(fixture, challenge: challenge, ["code_challenge": NSNull()]), .badRequest, "bad.authParams"),
                (Self.linkRequest(fixture, challenge: challenge, ["code_challenge_method": "plain"]), .badRequest, "bad.authParams"),
                (Self.linkRequest(fixture, challenge: challenge, ["response_type": "bogus"]), .badRequest, "bad.authParams"),
                (
                    Self.linkRequest(
                        fixture, challenge: challenge, ["response_type": "id_token", "nonce": NSNull(), "code_challenge": NSNull()]),
                    .badRequest, "bad.authParams"
                ),
                (Self.linkRequest(fixture, challenge: challenge, ["audience": "https://unknown.example"]), .forbidden, "access_denied"),
                (
                    ["client_id": fixture.publicClient, "connection": "sms", "phone_number": "+14255550123", "send": "link"], .badRequest,
                    "bad.request"
                ),
                (
                    ["client_id": fixture.roOnlyClient, "connection": "email", "email": Self.address, "send": "link"], .forbidden,
                    "unauthorized_client"
                ),
            ]
            for (body, status, error) in cases {
                let reply = try await Self.start(fixture, body)
                #expect(reply.status == status, "\(body): \(reply.text)")
                #expect(reply.auth0Error.error == error, "\(body): \(reply.text)")
            }
            #expect(try await fixture.queuedJobs() == 0, "a refused link was sent")

            // Email without `send` is a link, as in Auth0; the link carries the code the message shows.
            var defaulted = Self.linkRequest(fixture, challenge: challenge)
            defaulted["send"] = nil
            let link = try await Self.sendLink(fixture, defaulted)
            let code = try #require(try await fixture.queuedCode(for: Self.address))
            let query = Self.parameters(link)
            #expect(query["verification_code"] == code)
            #expect(query["client_id"] == fixture.publicClient)
            #expect(query["email"] == Self.address)
            #expect(query["redirect_uri"] == InProcessFixture.callback)
            #expect(query["code_challenge"] == challenge)
            #expect(query["state"] == "s-42")
        }
    }

    /// A user blocked after the link was sent: Continue shows the blocked page and redirects
    /// nowhere, and an authorization code issued before the block buys no tokens.
    @Test func aBlockedUsersLinkAndAuthorizationCodeAreRefused() async throws {
        try await InProcessFixture.with { fixture in
            let (verifier, challenge) = Self.pkce()
            let started = try await Self.start(fixture, Self.linkRequest(fixture, challenge: challenge))
            let userID = try #require(started.object["_id"] as? String)
            let first = String(try #require(try await fixture.queuedLink(for: Self.address)).dropFirst("https://localhost".count))
            try await TokenRouterTests.withTokenService(fixture) { client in
                let used = try await Self.continue(client, first)
                let location = try #require(used.headers[.location])
                let authorizationCode = try #require(Self.parameters(location)["code"])

                let second = try await Self.sendLink(fixture, Self.linkRequest(fixture, challenge: challenge))
                try await fixture.block(userID: userID)

                let page = try await Self.continue(client, second)
                #expect(page.status == .unauthorized)
                #expect(page.headers[.location] == nil)
                #expect(page.text.contains("This account is blocked"))

                let tokens = try await Self.exchange(
                    client, code: authorizationCode, clientID: fixture.publicClient, extra: ["code_verifier": verifier])
                #expect(tokens.status == .unauthorized, "\(tokens.text)")
                #expect(tokens.auth0Error.error == "unauthorized")
                #expect(tokens.auth0Error.description == "user is blocked")
            }
        }
    }

    @Test func openingALinkSpendsNothingAndContinueRedirectsOnce() async throws {
        try await InProcessFixture.with { fixture in
            let (verifier, challenge) = Self.pkce()
            let link = try await Self.sendLink(fixture, Self.linkRequest(fixture, challenge: challenge))
            let code = try #require(Self.parameters(link)["verification_code"])
            try await TokenRouterTests.withTokenService(fixture) { client in
                for method in [HTTPRequest.Method.get, .head, .get, .head] {
                    let page = try await client.execute(uri: link, method: method)
                    #expect(page.status == .ok)
                    #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                    let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
                    #expect(policy.contains("default-src 'none'"))
                    #expect(policy.contains("form-action 'self' https://app.example;"))
                    #expect(policy.contains("frame-ancestors 'none'"))
                    #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                    #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                    #expect(page.headers[.cacheControl] == "no-store")
                    if method == .get {
                        #expect(page.text.contains("Sign in to Web"))
                        #expect(page.text.contains(Self.address))
                        #expect(page.text.components(separatedBy: "<form").count == 2)
                        #expect(page.text.contains("<form method=\"post\" action=\"/passwordless/verify_redirect\">"))
                        #expect(page.text.contains(">Continue</button>"))
                        #expect(!page.text.lowercased().contains("<script"))
                    } else {
                        #expect(page.body.readableBytes == 0)
                    }
                }

                let used = try await Self.continue(client, link)
                #expect(used.status == .found)
                let location = try #require(used.headers[.location])
                #expect(location.hasPrefix(InProcessFixture.callback + "?"))
                #expect(!location.contains(code), "the one-time code reached the redirect")
                let answer = Self.parameters(location)
                #expect(answer["state"] == "s-42")
                let authorizationCode = try #require(answer["code"])
                #expect(used.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")

                let again = try await Self.continue(client, link)
                #expect(again.status == .forbidden)
                #expect(again.headers[.location] == nil)
                #expect(again.headers[.contentType] == "text/html; charset=utf-8")
                #expect(again.text.contains("This link can no longer be used"))
                #expect(again.text.contains("href=\"https://app.example/\""))

                let tokens = try await Self.exchange(
                    client, code: authorizationCode, clientID: fixture.publicClient, extra: ["code_verifier": verifier])
                #expect(tokens.status == .ok, "\(tokens.text)")
                #expect(tokens.headers[.cacheControl] == "no-store")
                #expect(tokens.object["scope"] as? String == "openid email")
                let idToken = try #require(tokens.object["id_token"] as? String)
                let keys = JWTKeyCollection()
                try await keys.add(jwksJSON: try await client.execute(uri: "/.well-known/jwks.json", method: .get).text)
                let claims = try await keys.verify(idToken, as: LinkClaims.self)
                #expect(claims.email == Self.address)
                #expect(claims.nonce == "n-42")
                #expect(claims.aud.value == [fixture.publicClient])

                let replay = try await Self.exchange(
                    client, code: authorizationCode, clientID: fixture.publicClient, extra: ["code_verifier": verifier])
                #expect(replay.status == .forbidden)
                #expect(replay.auth0Error.error == "invalid_grant")
            }
        }
    }

    @Test func anAuthorizationCodeIsBoundToItsClientRedirectAndVerifier() async throws {
        try await InProcessFixture.with { fixture in
            let (verifier, challenge) = Self.pkce()
            try await TokenRouterTests.withTokenService(fixture) { client in
                func freshCode() async throws -> String {
                    let link = try await Self.sendLink(fixture, Self.linkRequest(fixture, challenge: challenge))
                    let used = try await Self.continue(client, link)
                    return try #require(Self.parameters(used.headers[.location] ?? "")["code"])
                }
                let (backend, secret) = fixture.confidentialClient
                let refusals: [(String, [String: String], String)] = [
                    (fixture.publicClient, [:], "no verifier"),
                    (fixture.publicClient, ["code_verifier": Self.pkce().verifier], "wrong verifier"),
                    (fixture.publicClient, ["code_verifier": verifier, "redirect_uri": "https://app.example/other"], "wrong redirect_uri"),
                    (backend, ["client_secret": secret, "code_verifier": verifier], "foreign client"),
                    (fixture.publicClient, ["code_verifier": verifier, "code": "made-up"], "unknown code"),
                ]
                for (clientID, extra, what) in refusals {
                    let code = try await freshCode()
                    let reply = try await Self.exchange(client, code: code, clientID: clientID, extra: extra)
                    #expect(reply.status == .forbidden, "\(what): \(reply.text)")
                    #expect(reply.auth0Error.error == "invalid_grant", "\(what)")
                    guard extra["code"] == nil else { continue }
                    // A failed exchange spends the code: the right one afterwards fails too.
                    let after = try await Self.exchange(
                        client, code: code, clientID: fixture.publicClient, extra: ["code_verifier": verifier])
                    #expect(after.status == .forbidden, "\(what): the code survived a failed exchange")
                }
            }
        }
    }

    @Test func aConfidentialClientsLinkNeedsItsSecretNotPKCE() async throws {
        try await InProcessFixture.with { fixture in
            let (backend, secret) = fixture.confidentialClient
            var body: [String: Any] = [
                "client_id": backend, "connection": "email", "email": Self.address, "send": "link",
                "authParams": ["response_type": "code", "redirect_uri": InProcessFixture.backendCallback, "state": "b"],
            ]
            let anonymous = try await Self.start(fixture, body)
            #expect(anonymous.status == .unauthorized)
            body["client_secret"] = secret
            let link = try await Self.sendLink(fixture, body)
            try await TokenRouterTests.withTokenService(fixture) { client in
                let used = try await Self.continue(client, link)
                let location = try #require(used.headers[.location])
                #expect(location.hasPrefix(InProcessFixture.backendCallback + "?"))
                let code = try #require(Self.parameters(location)["code"])
                let unauthenticated = try await Self.exchange(
                    client, code: code, clientID: backend, redirectURI: InProcessFixture.backendCallback)
                #expect(unauthenticated.status == .unauthorized)
                #expect(unauthenticated.auth0Error.error == "invalid_client")
                let tokens = try await Self.exchange(
                    client, code: code, clientID: backend, redirectURI: InProcessFixture.backendCallback, extra: ["client_secret": secret])
                #expect(tokens.status == .ok, "\(tokens.text)")
            }
        }
    }

    @Test func theTypedCodeAndTheLinkSpendEachOther() async throws {
        try await InProcessFixture.with { fixture in
            let challenge = Self.pkce().challenge
            try await TokenRouterTests.withTokenService(fixture) { client in
                let typedBody = { (code: String) -> [String: Any] in
                    [
                        "grant_type": TokenRouterTests.otpGrant, "client_id": fixture.publicClient, "realm": "email",
                        "username": Self.address, "otp": code, "scope": "openid",
                    ]
                }
                // The link first, then the typed code.
                var link = try await Self.sendLink(fixture, Self.linkRequest(fixture, challenge: challenge))
                var code = try #require(Self.parameters(link)["verification_code"])
                #expect(try await Self.continue(client, link).status == .found)
                let typed = try await RouterTest.post(client, "/oauth/token", typedBody(code))
                #expect(typed.status == .forbidden)
                #expect(typed.auth0Error.error == "invalid_grant")

                // The typed code first, then the link.
                link = try await Self.sendLink(fixture, Self.linkRequest(fixture, challenge: challenge))
                code = try #require(Self.parameters(link)["verification_code"])
                #expect(try await RouterTest.post(client, "/oauth/token", typedBody(code)).status == .ok)
                let late = try await Self.continue(client, link)
                #expect(late.status == .forbidden)
                #expect(late.text.contains("This link can no longer be used"))
            }
        }
    }

    @Test func implicitLinksAnswerInTheFragmentWithNonceAndAtHash() async throws {
        try await InProcessFixture.with { fixture in
            let link = try await Self.sendLink(
                fixture,
                Self.linkRequest(
                    fixture, challenge: "",
                    ["response_type": "id_token token", "code_challenge": NSNull(), "code_challenge_method": NSNull()]))
            try await TokenRouterTests.withTokenService(fixture) { client in
                let used = try await Self.continue(client, link)
                #expect(used.status == .found)
                let location = try #require(used.headers[.location])
                #expect(location.hasPrefix(InProcessFixture.callback + "#"))
                let answer = Self.parameters(location, fragment: true)
                #expect(answer["state"] == "s-42")
                #expect(answer["token_type"] == "Bearer")
                let accessToken = try #require(answer["access_token"])
                let idToken = try #require(answer["id_token"])
                let keys = JWTKeyCollection()
                try await keys.add(jwksJSON: try await client.execute(uri: "/.well-known/jwks.json", method: .get).text)
                let claims = try await keys.verify(idToken, as: LinkClaims.self)
                #expect(claims.nonce == "n-42")
                #expect(claims.at_hash == Base64URL.encode(Array(SHA256.hash(data: Data(accessToken.utf8))).prefix(16)))
                let userinfo = try await client.execute(
                    uri: "/userinfo", method: .get, headers: [.authorization: "Bearer \(accessToken)"])
                #expect(userinfo.status == .ok)
            }
        }
    }

    @Test func verifyChecksATypedCodeWithoutSpendingIt() async throws {
        try await InProcessFixture.with { fixture in
            let link = try await Self.sendLink(fixture, Self.linkRequest(fixture, challenge: Self.pkce().challenge))
            let code = try #require(Self.parameters(link)["verification_code"])
            try await TokenRouterTests.withTokenService(fixture) { client in
                let check = { (code: String) in
                    try await RouterTest.post(
                        client, "/passwordless/verify",
                        [
                            "connection": "email", "email": Self.address, "verification_code": code,
                            "auth0Client": "eyJuYW1lIjoiYXV0aDAuanMifQ",
                        ])
                }
                let wrong = try await check(code == "000000" ? "111111" : "000000")
                #expect(wrong.status == .forbidden)
                #expect(wrong.auth0Error.error == "invalid_grant")
                #expect(wrong.auth0Error.description == "Wrong email or verification code.")
                let right = try await check(code)
                #expect(right.status == .ok, "\(right.text)")
                #expect(right.text == "{}")
                let unknown = try await RouterTest.post(
                    client, "/passwordless/verify", ["connection": "email", "email": Self.address, "verification_code": code, "foo": "1"])
                #expect(unknown.status == .badRequest)
                #expect(try await check(code).status == .ok)
                // auth0.js then opens the link, which still works.
                #expect(try await Self.continue(client, link).status == .found)
            }
        }
    }

    @Test func aLinkIsBoundToWhatWasCheckedWhenItWasSent() async throws {
        try await InProcessFixture.with { fixture in
            let link = try await Self.sendLink(fixture, Self.linkRequest(fixture, challenge: Self.pkce().challenge))
            let code = try #require(Self.parameters(link)["verification_code"])
            try await TokenRouterTests.withTokenService(fixture) { client in
                // Whoever sees the link cannot swap in their own PKCE challenge or another response type.
                let theirs = Self.pkce().challenge
                let altered = [
                    link.replacingOccurrences(
                        of: "code_challenge=\(Self.parameters(link)["code_challenge"]!)", with: "code_challenge=\(theirs)"),
                    link.replacingOccurrences(of: "response_type=code", with: "response_type=token")
                        .replacingOccurrences(of: "&code_challenge=", with: "&x=").replacingOccurrences(
                            of: "&code_challenge_method=S256", with: ""),
                    link.replacingOccurrences(of: "scope=openid%20email", with: "scope=openid%20email%20profile"),
                ]
                for other in altered {
                    #expect(other != link)
                    let reply = try await Self.continue(client, other)
                    #expect(reply.status == .forbidden, "\(other)")
                    #expect(reply.headers[.location] == nil)
                }
                // A post from another site's page, or not a form, is refused before the code is looked at.
                let crossSite = try await client.execute(
                    uri: "/passwordless/verify_redirect", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("Sec-Fetch-Site")!: "cross-site"],
                    body: ByteBuffer(string: String(link.drop { $0 != "?" }.dropFirst())))
                #expect(crossSite.status == .forbidden)
                #expect(crossSite.text.contains("Continue from the link itself"))
                let json = try await client.execute(
                    uri: "/passwordless/verify_redirect", method: .post, headers: RouterTest.jsonHeaders,
                    body: ByteBuffer(string: String(link.drop { $0 != "?" }.dropFirst())))
                #expect(json.status == .badRequest)
                // Another client cannot redeem the code typed either.
                let (backend, secret) = fixture.confidentialClient
                let foreign = try await RouterTest.post(
                    client, "/oauth/token",
                    [
                        "grant_type": TokenRouterTests.otpGrant, "client_id": backend, "client_secret": secret, "realm": "email",
                        "username": Self.address, "otp": code,
                    ])
                #expect(foreign.status == .forbidden)
                #expect(foreign.auth0Error.error == "invalid_grant")
                // None of that spent or counted against the genuine link.
                #expect(try await Self.continue(client, link).status == .found)
            }
            // A link too long for mail is refused at start, not lost in delivery.
            let long = try await Self.start(
                fixture, Self.linkRequest(fixture, challenge: Self.pkce().challenge, ["state": String(repeating: "é", count: 2048)]))
            #expect(long.status == .badRequest)
            #expect(long.auth0Error.error == "bad.authParams")
        }
    }

    @Test func aBrokenLinkGetsAPageNeverARedirect() async throws {
        try await InProcessFixture.with { fixture in
            let link = try await Self.sendLink(fixture, Self.linkRequest(fixture, challenge: Self.pkce().challenge))
            try await TokenRouterTests.withTokenService(fixture) { client in
                let tampered = [
                    link.replacingOccurrences(
                        of: "redirect_uri=https%3A%2F%2Fapp.example", with: "redirect_uri=https%3A%2F%2Fevil.example"),
                    link.replacingOccurrences(of: "client_id=", with: "client_id=x"),
                    "/passwordless/verify_redirect",
                    "/passwordless/verify_redirect?client_id=%00&connection=%00&email=%FF",
                ]
                for broken in tampered {
                    for reply in [try await client.execute(uri: broken, method: .get), try await Self.continue(client, broken)] {
                        #expect(reply.status == .badRequest, "\(broken)")
                        #expect(reply.headers[.location] == nil)
                        #expect(reply.headers[.contentType] == "text/html; charset=utf-8")
                        #expect(reply.text.contains("This link is not valid"))
                        #expect(!reply.text.contains("evil.example"))
                    }
                }
                // The untouched link still works: nothing above spent it.
                #expect(try await Self.continue(client, link).status == .found)
            }
        }
    }
}

/// The id_token claims a link login carries.
struct LinkClaims: JWTPayload {
    var aud: AudienceClaim
    var exp: ExpirationClaim
    var email: String?
    var nonce: String?
    var at_hash: String?
    func verify(using algorithm: some JWTAlgorithm) async throws { try exp.verifyNotExpired() }
}
