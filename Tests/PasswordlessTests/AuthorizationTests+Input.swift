import Foundation
import HTTPService
import JWTKit
import LoginCodes
import PasswordlessCore
import PostgresNIO
import RedisClient
import Testing
import Tokens

/// Authorization and privacy, continued: input spelling, Redis key names, small errors and the
/// documented metric labels.
extension AuthorizationTests {
    // MARK: Finding 5: input

    @Test func recipientsHaveOneSpellingAndErrorsEchoLittle() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            func email(_ address: String) async throws -> HTTPProbe.Reply {
                try await stack.post(
                    "/passwordless/start", json: ["client_id": tenant.clientID, "connection": "email", "email": address, "send": "code"])
            }
            let unicode = try await email("ada@bücher.example")
            let ascii = try await email("ADA@xn--bcher-kva.example")
            #expect(unicode.status == 200 && ascii.status == 200)
            #expect(unicode.json?["_id"] as? String == ascii.json?["_id"] as? String, "two spellings of one address are two users")
            #expect(unicode.json?["email"] as? String == "ada@xn--bcher-kva.example")
            let composed = try await email("ren\u{E9}@example.com")
            let decomposed = try await email("rene\u{301}@example.com")
            #expect(composed.json?["_id"] as? String == decomposed.json?["_id"] as? String)
            for refused in ["ada\u{200B}@example.com", "ada@exam\u{202E}ple.com", "ada@p\u{0430}ypal.com", "ad\u{FFFD}@example.com"] {
                let reply = try await email(refused)
                #expect(
                    reply.status == 400 && reply.json?["error"] as? String == "bad.email",
                    "accepted \(refused.unicodeScalars.map { String($0.value, radix: 16) })")
            }
            // Invalid UTF-8 on the wire is refused, not stored as U+FFFD.
            var raw = Data(#"{"client_id":"\#(tenant.clientID)","connection":"email","send":"code","email":"ada"#.utf8)
            raw.append(contentsOf: [0xC3, 0x28])
            raw.append(contentsOf: Data(#"@example.com"}"#.utf8))
            let invalid = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/passwordless/start", body: raw, headers: ["Content-Type": "application/json"])
            #expect(invalid.status == 400)
            let stored = try await stack.query { client in
                var count = 0
                for try await _ in try await client.query("SELECT 1 FROM users WHERE email LIKE \("%\u{FFFD}%")") { count += 1 }
                return count
            }
            #expect(stored == 0)

            let zero = try await Self.start(stack, client: tenant.clientID, phone: "+0123456789")
            #expect(zero.status == 400 && zero.json?["error"] as? String == "bad.phone_number")

            let huge = String(repeating: "x", count: 16_000)
            let echoed = try await stack.post(
                "/passwordless/start", json: ["client_id": huge, "connection": "sms", "phone_number": "+14155557500"])
            #expect(echoed.status == 400)
            #expect((echoed.json?["error_description"] as? String ?? huge).count <= 64 + 40, "the error repeats the caller's input")
        }
    }

    // MARK: Finding 6: personal data in Redis key names

    @Test func redisKeyNamesHoldNoPersonalDataAndOldCodesStillWork() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await SecurityTests.smsConnection(stack, name: "closed", ["--disable-signup"])
            let phone = "+14155557600"
            #expect(try await Self.start(stack, client: tenant.clientID, phone: phone).status == 200)
            #expect(try await Self.start(stack, client: tenant.clientID, phone: "+14155557601", connection: "closed").status == 200)
            #expect(
                try await stack.post(
                    "/passwordless/start",
                    json: ["client_id": tenant.clientID, "connection": "email", "email": "grace@example.com", "send": "code"]
                ).status == 200)
            _ = try await stack.smsCode(to: phone)
            // A wrong code makes the failure counter exist too.
            _ = try await Self.exchange(stack, client: tenant.clientID, phone: phone, code: "000000")

            let redis = RedisClient.running(configuration: try stack.redis.configuration(), logger: .quiet)
            defer { Task { await redis.shutdown() } }
            let keys = try await redis.send("KEYS", "*").array?.compactMap(\.string) ?? []
            #expect(
                keys.contains { $0.hasPrefix("pl:otp:") } && keys.contains { $0.hasPrefix("pl:rl:") }
                    && keys.contains { $0.hasPrefix("pl:fail:") })
            for personal in ["4155557600", "4155557601", "grace", "example.com", "127.0.0.1"] {
                #expect(!keys.contains { $0.contains(personal) }, "a key names \(personal): \(keys.filter { $0.contains(personal) })")
            }

            // A code stored by the previous version, under the key that named the number, still works.
            let connectionID = try await stack.query { client in
                var id: UUID?
                for try await value in try await client.query("SELECT id FROM connections WHERE name = 'sms'").decode(UUID.self) {
                    id = value
                }
                return try #require(id)
            }
            let masterKey = try MasterKey(base64: stack.masterKey)
            let legacyPhone = "+14155557602"
            let userID = try await stack.query { client in
                let user = User.generateID()
                let tenantID = try await client.query("SELECT tenant_id FROM connections WHERE id = \(connectionID)").decode(UUID.self)
                    .first(where: { _ in true })!
                try await client.query(
                    """
                    INSERT INTO users (id, tenant_id, connection_id, identifier, phone_number)
                    VALUES (\(user), \(tenantID), \(connectionID), \(legacyPhone), \(legacyPhone))
                    """)
                return user
            }
            let legacyKey = "pl:otp:{\(connectionID.uuidString.lowercased()):\(legacyPhone)}"
            let mac = OneTimeCode.mac("424242", connection: connectionID, recipient: legacyPhone, key: masterKey.key(for: .codeMAC))
            let expires = Int64(Date().timeIntervalSince1970 * 1000) + 600_000
            _ = try await redis.send("HSET", legacyKey, "mac", mac, "exp", expires, "attempts", 0, "user", userID)
            _ = try await redis.send("PEXPIRE", legacyKey, 4_200_000)
            let legacy = try await Self.exchange(stack, client: tenant.clientID, phone: legacyPhone, code: "424242")
            #expect(legacy.status == 200, "a code issued before the upgrade: \(String(decoding: legacy.body, as: UTF8.self))")
            #expect(try await Self.exchange(stack, client: tenant.clientID, phone: legacyPhone, code: "424242").status == 403, "single use")
        }
    }

    // MARK: Finding 7: smaller errors

    @Test func smallerErrorsAnswerWhatTheyShould() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let refresh = try await stack.post(
                "/oauth/token", json: ["grant_type": "refresh_token", "client_id": tenant.clientID, "refresh_token": "abc"])
            #expect(refresh.status == 400 && refresh.json?["error"] as? String == "unsupported_grant_type")

            try await SecurityTests.smsConnection(stack, name: "tight", ["--rate-per-recipient", "1/60"])
            #expect(try await Self.start(stack, client: tenant.clientID, phone: "+14155557700", connection: "tight").status == 200)
            let limited = try await Self.start(stack, client: tenant.clientID, phone: "+14155557700", connection: "tight")
            #expect(limited.status == 429)
            let malformed = try await Self.start(
                stack, client: tenant.clientID, phone: "+14155557700", connection: "tight", extra: ["authParams": ["scope": 5]])
            #expect(
                malformed.status == 400 && malformed.json?["error"] as? String == "bad.authParams",
                "a malformed request is told so, limit or not")

            let token =
                try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "create:users,read:users"])["token"] as! String
            let auth = ["Authorization": "Bearer \(token)"]
            let created = try await stack.post(
                "/api/users", json: ["connection": "email", "email": "linus@example.com", "email_verified": true], headers: auth)
            #expect(created.status == 200)
            #expect(created.json?["email_verified"] as? Bool == true, "email_verified: true was ignored")
            let userID = try #require(created.json?["user_id"] as? String)
            let shown = try await HTTPProbe.get(
                stack.gatewayURL + "/api/v2/users/" + userID.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, headers: auth)
            #expect(shown.status == 200 && shown.json?["email"] as? String == "linus@example.com", "read:users grants nothing")
            let byEmail = try await HTTPProbe.get(stack.gatewayURL + "/api/v2/users-by-email?email=linus%40example.com", headers: auth)
            #expect(byEmail.status == 200)
            let writer = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "create:users"])["token"] as! String
            #expect(
                try await HTTPProbe.get(stack.gatewayURL + "/api/v2/users/" + userID, headers: ["Authorization": "Bearer \(writer)"]).status
                    == 403)
        }
    }

    /// Every label value the code can emit is the one the README documents.
    @Test func readmeDocumentsTheMetricLabelsTheCodeEmits() throws {
        let readme = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"),
            encoding: .utf8)
        func documented(_ metric: String) -> Set<String> {
            guard let row = readme.split(separator: "\n").first(where: { $0.hasPrefix("| `\(metric){") }),
                let dash = row.range(of: " — ")
            else { return [] }
            let text = row[dash.upperBound...]
            return Set(
                text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map {
                    String($0.element)
                })
        }
        #expect(documented("passwordless_codes_requested_total") == Set(CodeRequestOutcome.allCases.map(\.rawValue)))
        #expect(documented("passwordless_verifications_total") == Set(CodeStore.Outcome.labels))
        #expect(readme.contains("`unmatched` for unknown paths"))
    }
}
