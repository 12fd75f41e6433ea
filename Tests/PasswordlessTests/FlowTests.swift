import Foundation
import JWTKit
import JobQueue
import PostgresNIO
import RedisClient
import Testing
import Tokens

/// The whole login, end to end: the real executables, real PostgreSQL and Redis, a fake Twilio
/// and a real SMTP server.
@Suite("Passwordless flow", .serialized)
struct FlowTests {
    static let otpGrant = "http://auth0.com/oauth/grant-type/passwordless/otp"

    /// The seed document's two requests, verbatim, against each Redis deployment: a single node,
    /// a TLS node and the cluster (each variant costs a stack start, about 2 s).
    @Test(arguments: RedisTarget.allCases) func seedRequestsRegisterSendAndSignIn(redis: RedisTarget) async throws {
        var options = PasswordlessStack.Options()
        options.redis = redis
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let token =
                try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "create:users,read:users"])["token"] as! String

            let seedUser = """
                {
                  "connection":     "sms",
                  "email_verified": false,
                  "phone_number":   "+14251112222"
                }
                """
            let registered = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/api/users", body: Data(seedUser.utf8),
                headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"])
            #expect(registered.status == 200, "\(String(decoding: registered.body, as: UTF8.self))")
            let userID = try #require(registered.json?["_id"] as? String)
            #expect(registered.json?["phone_number"] as? String == "+14251112222")

            let code = try await stack.smsCode(to: "+14251112222")
            let sms = try #require(stack.smsMessages().first)
            #expect(sms.From == "+15005550006")
            #expect(sms.idempotency_token?.isEmpty == false)

            let seedLogin = """
                {
                  "client_id":   "\(tenant.clientID)",
                  "username":    "+14251112222",
                  "password":    "\(code)",
                  "connection":  "sms",
                  "grant_type":  "password",
                  "scope":       "openid"
                }
                """
            let login = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/oauth/ro", body: Data(seedLogin.utf8), headers: ["Content-Type": "application/json"])
            #expect(login.status == 200, "\(String(decoding: login.body, as: UTF8.self))")
            #expect(login.json?["token_type"] as? String == "bearer")
            #expect((login.json?["access_token"] as? String)?.isEmpty == false)
            let idToken = try #require(login.json?["id_token"] as? String)

            let jwks = try await HTTPProbe.get(stack.gatewayURL + "/.well-known/jwks.json")
            let keys = try await JWTKeyCollection().add(jwksJSON: String(decoding: jwks.body, as: UTF8.self))
            let claims = try await keys.verify(idToken, as: IDTokenClaims.self)
            #expect(claims.sub.value == "sms|\(userID)")
            #expect(claims.iss.value == "https://acme.example.com/")
            #expect(claims.aud.value == [tenant.clientID])

            // The same code cannot be used twice.
            let again = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/oauth/ro", body: Data(seedLogin.utf8), headers: ["Content-Type": "application/json"])
            #expect(again.status == 401)
            #expect(again.json?["error"] as? String == "invalid_user_password")
            #expect(again.json?["error_description"] as? String == "Wrong phone number or verification code.")

            // The login shows on the user record, written off the request path.
            let recorded = await TestEnvironment.eventually(within: .seconds(5)) {
                let row = try? await stack.query { client in
                    try await client.query("SELECT phone_verified, logins_count, last_login IS NOT NULL FROM users WHERE id = \(userID)")
                        .decode((Bool, Int, Bool).self).first { _ in true }
                }
                return row.map { $0.0 && $0.1 == 1 && $0.2 } ?? false
            }
            #expect(recorded, "phone_verified, logins_count and last_login were not updated")

            #expect(!stack.serviceLogs.contains(code), "a code reached a log")
            #expect(!stack.serviceLogs.contains(token), "a management token reached a log")
            #expect(!stack.serviceLogs.contains(PasswordlessStack.twilioToken), "the Twilio auth token reached a log")
        }
    }

    /// Auth0's own Python SDK, unchanged, against the gateway.
    @Test func auth0PythonSDKSignsIn() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let hs = try await stack.create(["client", "create", "--tenant", "acme", "--name", "backend", "--jwt-alg", "HS256"])
            let callback = "http://127.0.0.1:9/callback"  // never opened: the script reads the redirect's Location
            let spa = try await stack.create(["client", "create", "--tenant", "acme", "--name", "spa", "--callbacks", callback])
            let script = try ManagedProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                arguments: ["python3", Self.support("auth0_sdk_check.py")],
                environment: [
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                    "PL_DOMAIN": stack.gatewayURL.replacingOccurrences(of: "http://", with: ""),
                    "PL_ISSUER": "https://\(tenant.domain)/", "PL_CLIENT_ID": tenant.clientID,
                    "PL_HS_CLIENT_ID": hs["client_id"] as! String, "PL_HS_CLIENT_SECRET": hs["client_secret"] as! String,
                    "PL_TWILIO_LOG": stack.twilioLog.path, "PL_MAILBOX": stack.mailbox.path,
                    "PL_LINK_CLIENT_ID": spa["client_id"] as! String, "PL_CALLBACK": callback,
                ])
            let status = await script.waitForExit(within: .seconds(90))
            #expect(status == 0, "auth0-python checks failed:\n\(script.output)\n--- services ---\n\(stack.serviceLogs)")
            #expect(script.output.contains("auth0-python: all checks passed"))
        }
    }

    /// Every error case of the contract, with Auth0's status, error and description.
    @Test func errorsAreAuth0Shaped() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let secretClient = try await stack.create(["client", "create", "--tenant", "acme", "--name", "server", "--secret"])
            try await stack.create([
                "connection", "create", "--tenant", "acme", "--name", "sms-short", "--strategy", "sms", "--provider", "twilio",
                "--twilio-account-sid", PasswordlessStack.twilioSID, "--twilio-auth-token", PasswordlessStack.twilioToken,
                "--from", "+15005550006", "--twilio-base-url", "http://127.0.0.1:\(stack.twilioPort)", "--code-ttl", "2",
            ])
            let client = tenant.clientID
            func start(_ body: [String: Any]) async throws -> HTTPProbe.Reply { try await stack.post("/passwordless/start", json: body) }
            func expectError(
                _ reply: HTTPProbe.Reply, _ status: Int, _ error: String, _ description: String? = nil,
                sourceLocation: SourceLocation = #_sourceLocation
            ) {
                #expect(reply.status == status, "\(String(decoding: reply.body, as: UTF8.self))", sourceLocation: sourceLocation)
                #expect(reply.json?["error"] as? String == error, sourceLocation: sourceLocation)
                #expect((reply.json?["error_description"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
                if let description { #expect(reply.json?["error_description"] as? String == description, sourceLocation: sourceLocation) }
            }

            expectError(try await start(["connection": "sms", "phone_number": "+14155550100"]), 400, "bad.client_id")
            expectError(try await start(["client_id": "nope", "connection": "sms", "phone_number": "+14155550100"]), 400, "bad.client_id")
            expectError(try await start(["client_id": client, "connection": "fax", "phone_number": "+14155550100"]), 400, "bad.connection")
            expectError(
                try await start(["client_id": client, "connection": "sms", "phone_number": "0425 111 222"]), 400, "bad.phone_number")
            expectError(try await start(["client_id": client, "connection": "sms"]), 400, "bad.phone_number")
            expectError(
                try await start(["client_id": client, "connection": "email", "email": "not-an-email", "send": "code"]), 400, "bad.email")
            expectError(
                try await start([
                    "client_id": client, "connection": "email", "email": "eve@example.com\r\nBcc: x@evil.test", "send": "code",
                ]), 400,
                "bad.email")
            expectError(
                try await start(["client_id": client, "connection": "sms", "phone_number": "+14155550100", "colour": "red"]), 400,
                "bad.request")
            // Email without `send` is a link, and this client registered no callback to send it back to.
            expectError(try await start(["client_id": client, "connection": "email", "email": "ada@example.com"]), 400, "bad.redirect_uri")
            expectError(
                try await start(["client_id": client, "connection": "email", "email": "ada@example.com", "send": "link"]), 400,
                "bad.redirect_uri")
            expectError(
                try await start(["client_id": client, "connection": "sms", "phone_number": "+14155550100", "authParams": "x"]), 400,
                "bad.authParams")
            expectError(
                try await start([
                    "client_id": secretClient["client_id"] as! String, "client_secret": "wrong", "connection": "sms",
                    "phone_number": "+14155550100",
                ]), 401, "access_denied")
            let malformed = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/passwordless/start", body: Data("{not json".utf8),
                headers: ["Content-Type": "application/json"])
            expectError(malformed, 400, "bad.request")
            #expect(stack.smsMessages().isEmpty, "a refused request sent something")

            // A valid start, with null for an optional field, answers Auth0's body.
            let started = try await start([
                "client_id": client, "client_secret": NSNull(), "connection": "sms", "phone_number": "+1 415 555 0100", "send": "code",
            ])
            #expect(started.status == 200)
            #expect(started.json?["phone_number"] as? String == "+14155550100")
            #expect(started.json?["phone_verified"] as? Bool == false)
            #expect(started.json?.keys.contains("request_language") == true)
            let first = try await stack.smsCode(to: "+14155550100")

            func exchange(_ otp: String, username: String = "+14155550100", realm: String = "sms") async throws -> HTTPProbe.Reply {
                try await stack.post(
                    "/oauth/token",
                    json: [
                        "grant_type": Self.otpGrant, "client_id": client, "username": username, "otp": otp, "realm": realm,
                        "scope": "openid",
                    ])
            }
            let wrongSMS = "Wrong phone number or verification code."
            let wrongCode = first == "000000" ? "000001" : "000000"
            expectError(try await exchange(wrongCode), 403, "invalid_grant", wrongSMS)
            expectError(try await exchange(wrongCode), 403, "invalid_grant", wrongSMS)
            expectError(
                try await exchange(wrongCode), 403, "invalid_grant",
                "You've reached the maximum number of attempts. Please try to login again.")
            expectError(try await exchange(first), 403, "invalid_grant", wrongSMS)  // the code is gone

            // The latest code wins: a code from an earlier /start stops working.
            _ = try await start(["client_id": client, "connection": "sms", "phone_number": "+14155550100"])
            let older = try await stack.smsCode(to: "+14155550100", count: 2)
            _ = try await start(["client_id": client, "connection": "sms", "phone_number": "+14155550100"])
            let newer = try await stack.smsCode(to: "+14155550100", count: 3)
            if older != newer { expectError(try await exchange(older), 403, "invalid_grant", wrongSMS) }
            let success = try await exchange(newer)
            #expect(success.status == 200, "\(String(decoding: success.body, as: UTF8.self))")
            #expect(success.json?["token_type"] as? String == "Bearer")
            #expect(success.json?["expires_in"] as? Int == 86400)
            expectError(try await exchange(newer), 403, "invalid_grant", wrongSMS)  // reused

            // Expired.
            _ = try await start(["client_id": client, "connection": "sms-short", "phone_number": "+14155550199"])
            let short = try await stack.smsCode(to: "+14155550199")
            try await Task.sleep(for: .milliseconds(2500))
            expectError(
                try await exchange(short, username: "+14155550199", realm: "sms-short"), 403, "invalid_grant",
                "The verification code has expired. Please try to login again.")

            // Email wording, form bodies, grant and client errors.
            let emailReply = try await stack.postForm(
                "/oauth/token",
                form: ["grant_type": Self.otpGrant, "client_id": client, "username": "ada@example.com", "otp": "123456", "realm": "email"])
            expectError(emailReply, 403, "invalid_grant", "Wrong email or verification code.")
            expectError(
                try await stack.post("/oauth/token", json: ["grant_type": "password", "client_id": client]), 400, "unsupported_grant_type")
            // Through curl: URLSession on Linux never returns a 401 that carries WWW-Authenticate.
            expectError(
                try await stack.postViaCurl(
                    "/oauth/token",
                    json: ["grant_type": Self.otpGrant, "client_id": "nope", "username": "+14155550100", "otp": "1", "realm": "sms"]),
                401, "invalid_client")
            expectError(
                try await stack.post(
                    "/oauth/token",
                    json: [
                        "grant_type": Self.otpGrant, "client_id": client, "username": "+14155550100", "otp": "1", "realm": "sms",
                        "extra": 1,
                    ]),
                400, "bad.request")
        }
    }

    /// SMTP messages are well-formed MIME; Twilio refusals go to dead letters, not retries.
    @Test func providersSpeakTheirProtocols() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant(emailOptions: ["--subject", "Votre code ✓ pour @@application.name@@"])
            let started = try await stack.post(
                "/passwordless/start",
                json: ["client_id": tenant.clientID, "connection": "email", "email": "Grace@Example.com", "send": "code"])
            #expect(started.status == 200)
            #expect(started.json?["email"] as? String == "grace@example.com")
            _ = try await stack.emailCode(to: "grace@example.com")
            let mail = try #require(stack.mails().first)
            #expect(mail.mail_from == "no-reply@acme.example.com")
            let parts = MailParts(mail.data)
            #expect(parts.headers["from"] == "<no-reply@acme.example.com>")
            #expect(parts.headers["to"] == "<grace@example.com>")
            #expect(parts.headers["mime-version"] == "1.0")
            #expect(parts.mediaType == "multipart/alternative" && parts.boundary?.hasPrefix("=_") == true, "\(parts.headers)")
            #expect(parts.parts.map { $0.headers["content-type"] } == ["text/plain; charset=UTF-8", "text/html; charset=UTF-8"])
            #expect(parts.parts.allSatisfy { $0.headers["content-transfer-encoding"] == "base64" })
            #expect(parts.headers["date"]?.hasSuffix("+0000") == true)
            #expect(parts.headers["message-id"]?.hasSuffix("@acme.example.com>") == true)
            let subject = try #require(parts.headers["subject"])
            let decoded = subject.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .compactMap { word -> String? in
                    guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { return nil }
                    return Data(base64Encoded: String(word.dropFirst(10).dropLast(2))).map { String(decoding: $0, as: UTF8.self) }
                }.joined()
            #expect(decoded == "Votre code ✓ pour acme web")

            // Twilio's invalid-number answer: dead-lettered with its reason, never retried.
            let refused = try await stack.post(
                "/passwordless/start", json: ["client_id": tenant.clientID, "connection": "sms", "phone_number": "+15005550001"])
            #expect(refused.status == 200)
            let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
            let dead = await TestEnvironment.eventually(within: .seconds(10)) {
                ((try? await QueueStats.read(from: redis, layout: QueueLayout()).dead) ?? 0) == 1
            }
            #expect(dead, "the refused job is not in dead letters; dispatcher:\n\(stack.dispatcher.output)")
            let entry = try await DeadLetters(redis: redis, layout: QueueLayout()).list().first
            #expect(entry?.letter.reason.contains("21211") == true, "\(String(describing: entry?.letter))")
            #expect(try await QueueStats.read(from: redis, layout: QueueLayout()).scheduled == 0)
            #expect(stack.smsMessages().filter { $0.To == "+15005550001" }.isEmpty)
            await redis.shutdown()
        }
    }

    /// Access tokens: opaque ones answer /userinfo; with an audience, a JWT that verifies.
    @Test func accessTokensAndUserinfo() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await stack.create([
                "api", "create", "--tenant", "acme", "--identifier", "https://api.acme.example.com", "--scopes", "read:orders",
            ])
            _ = try await stack.post(
                "/passwordless/start",
                json: ["client_id": tenant.clientID, "connection": "email", "email": "ada@example.com", "send": "code"])
            let code = try await stack.emailCode(to: "ada@example.com")
            let tokens = try await stack.post(
                "/oauth/token",
                json: [
                    "grant_type": Self.otpGrant, "client_id": tenant.clientID, "username": "ada@example.com", "otp": code, "realm": "email",
                    "scope": "openid email profile", "audience": "https://api.acme.example.com",
                ])
            #expect(tokens.status == 200)
            let access = try #require(tokens.json?["access_token"] as? String)
            let jwks = try await HTTPProbe.get(stack.gatewayURL + "/.well-known/jwks.json")
            let keys = try await JWTKeyCollection().add(jwksJSON: String(decoding: jwks.body, as: UTF8.self))
            let claims = try await keys.verify(access, as: AccessTokenClaims.self)
            #expect(claims.aud.value.contains("https://api.acme.example.com"))
            #expect(claims.azp == tenant.clientID)

            let userinfo = try await HTTPProbe.get(stack.gatewayURL + "/userinfo", headers: ["Authorization": "Bearer \(access)"])
            #expect(userinfo.status == 200)
            #expect(userinfo.json?["email"] as? String == "ada@example.com")
            #expect(userinfo.json?["email_verified"] as? Bool == true)
            #expect((userinfo.json?["sub"] as? String)?.hasPrefix("email|") == true)
            let refused = try await HTTPProbe.get(stack.gatewayURL + "/userinfo", headers: ["Authorization": "Bearer nope"])
            #expect(refused.status == 401)

            let discovery = try await HTTPProbe.get(stack.gatewayURL + "/.well-known/openid-configuration")
            #expect(discovery.json?["issuer"] as? String == "https://acme.example.com/")
            #expect(discovery.json?["jwks_uri"] as? String == "https://acme.example.com/.well-known/jwks.json")
            #expect(discovery.json?["id_token_signing_alg_values_supported"] as? [String] == ["RS256", "ES256", "HS256"])
        }
    }

    /// An ES256 client's id_tokens are signed with the tenant's P-256 key (made with the first
    /// such client), published beside the RS256 key; rotating one algorithm leaves the other.
    @Test func es256ClientsSignWithTheTenantsP256Key() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let es = try await stack.create(["client", "create", "--tenant", "acme", "--name", "mobile", "--jwt-alg", "ES256"])
            let clientID = try #require(es["client_id"] as? String)
            #expect(es["jwt_alg"] as? String == "ES256")
            let rotatedRSA = try await stack.create(["keys", "rotate", "--tenant", "acme"])
            #expect(rotatedRSA["algorithm"] as? String == "RS256")

            _ = try await stack.post(
                "/passwordless/start", json: ["client_id": clientID, "connection": "sms", "phone_number": "+14255550101"])
            let code = try await stack.smsCode(to: "+14255550101")
            let tokens = try await stack.post(
                "/oauth/token",
                json: [
                    "grant_type": Self.otpGrant, "client_id": clientID, "username": "+14255550101", "otp": code, "realm": "sms",
                    "scope": "openid phone",
                ])
            #expect(tokens.status == 200, "\(tokens.json ?? [:])")
            let idToken = try #require(tokens.json?["id_token"] as? String)
            var encodedHeader = idToken.split(separator: ".")[0].replacingOccurrences(of: "-", with: "+").replacingOccurrences(
                of: "_", with: "/")
            encodedHeader += String(repeating: "=", count: (4 - encodedHeader.count % 4) % 4)
            let headerJSON = try #require(Data(base64Encoded: encodedHeader))
            let header = try #require(try JSONSerialization.jsonObject(with: headerJSON) as? [String: Any])
            #expect(header["alg"] as? String == "ES256")

            let jwks = try await HTTPProbe.get(stack.gatewayURL + "/.well-known/jwks.json")
            let published = try #require(try JSONSerialization.jsonObject(with: jwks.body) as? [String: [[String: Any]]])["keys"] ?? []
            let ecKeys = published.filter { $0["kty"] as? String == "EC" }
            #expect(ecKeys.count == 1)
            #expect(ecKeys.first?["crv"] as? String == "P-256")
            #expect(ecKeys.first?["kid"] as? String == header["kid"] as? String)
            #expect(published.filter { $0["kty"] as? String == "RSA" && $0["kid"] as? String == rotatedRSA["kid"] as? String }.count == 1)
            let keys = try await JWTKeyCollection().add(jwksJSON: String(decoding: jwks.body, as: UTF8.self))
            let claims = try await keys.verify(idToken, as: IDTokenClaims.self)
            #expect(claims.aud.value == [clientID])
            #expect(claims.sub.value.hasPrefix("sms|"))

            // Without an audience the access token is opaque, and /userinfo answers for it with
            // the id_token's subject.
            let access = try #require(tokens.json?["access_token"] as? String)
            let userinfo = try await HTTPProbe.get(stack.gatewayURL + "/userinfo", headers: ["Authorization": "Bearer \(access)"])
            #expect(userinfo.status == 200)
            #expect(userinfo.json?["sub"] as? String == claims.sub.value)
            #expect(userinfo.json?["phone_number"] as? String == "+14255550101")
            #expect(userinfo.json?["phone_number_verified"] as? Bool == true)
        }
    }

    static func support(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("support")
            .appendingPathComponent(name).path
    }
}
