import Foundation
import Testing

/// The Management API v2 user routes against the running gateway, as an Auth0 management client
/// calls them: the search (`GET /api/v2/users`), `PATCH` and `DELETE /api/v2/users/{id}`, and
/// who may call them (scopes, expiry, revocation, tenant).
@Suite("Management API", .serialized)
struct ManagementAPITests {
    /// A call with a management token (none when nil); `path` carries its query string.
    static func call(
        _ stack: PasswordlessStack, _ method: String, _ path: String, token: String?, json: [String: Any]? = nil,
        headers: [String: String] = [:]
    ) async throws -> HTTPProbe.Reply {
        var fields = headers
        if let token { fields["Authorization"] = "Bearer \(token)" }
        if json != nil { fields["Content-Type"] = "application/json" }
        return try await HTTPProbe.send(
            method, stack.gatewayURL + path.replacingOccurrences(of: "|", with: "%7C"),
            body: try json.map { try JSONSerialization.data(withJSONObject: $0) }, headers: fields)
    }

    /// `GET /api/v2/users` with these query parameters (percent-encoded here, `+` included).
    static func search(_ stack: PasswordlessStack, token: String, _ parameters: [String: String]) async throws -> HTTPProbe.Reply {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = parameters.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try await call(stack, "GET", "/api/v2/users?" + query, token: token)
    }

    static func array(_ reply: HTTPProbe.Reply) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: reply.body)) as? [[String: Any]] ?? []
    }

    static func text(_ reply: HTTPProbe.Reply) -> String { "\(reply.status) \(String(decoding: reply.body, as: UTF8.self))" }

    /// A user made through `POST /api/v2/users`; its `user_id`.
    static func createUser(_ stack: PasswordlessStack, token: String, _ body: [String: Any]) async throws -> String {
        let reply = try await call(stack, "POST", "/api/v2/users", token: token, json: body)
        guard reply.status == 201, let id = reply.json?["user_id"] as? String else { throw TestFailure("create: \(text(reply))") }
        return id
    }

    static func token(_ stack: PasswordlessStack, _ scopes: String, tenant: String = "acme", _ extra: [String] = []) async throws -> String
    {
        try await stack.create(["token", "create", "--tenant", tenant, "--scopes", scopes] + extra)["token"] as! String
    }

    /// Exact terms are normalised as the start route normalises them; prefixes and bare terms
    /// match the beginning of an address or number (`_` is a character, not a wildcard); pages
    /// of the newest-first order neither repeat nor skip; `include_totals` answers Auth0's page object.
    @Test func searchFindsUsersByExactTermAndPrefixAndPagesThroughThem() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let token = try await Self.token(stack, "create:users,read:users")
            var created: [String] = []
            for email in ["ann@example.com", "anna@example.com", "bob@example.com", "a_b@example.com", "axb@example.com"] {
                created.append(try await Self.createUser(stack, token: token, ["connection": "email", "email": email]))
            }
            for phone in ["+14155550101", "+14155550102", "+442071838750"] {
                created.append(try await Self.createUser(stack, token: token, ["connection": "sms", "phone_number": phone]))
            }
            func ids(_ parameters: [String: String]) async throws -> Set<String> {
                let reply = try await Self.search(stack, token: token, parameters)
                #expect(reply.status == 200, "\(parameters): \(Self.text(reply))")
                return Set(Self.array(reply).compactMap { $0["user_id"] as? String })
            }
            #expect(try await ids(["q": "email:\"ANN@Example.com\"", "search_engine": "v3"]) == [created[0]])
            #expect(try await ids(["q": "email:ann@example.com"]) == [created[0]])
            #expect(try await ids(["q": "phone_number:\"+1 (415) 555-0102\""]) == [created[6]])
            #expect(try await ids(["q": "ann"]) == [created[0], created[1]])
            #expect(try await ids(["q": "email:AN*"]) == [created[0], created[1]])
            #expect(try await ids(["q": "a_"]) == [created[3]], "_ is escaped, not LIKE's any-character")
            #expect(try await ids(["q": "+1415"]) == [created[5], created[6]])
            #expect(try await ids(["q": "1 415 555"]) == [created[5], created[6]], "digits alone read as a number's beginning")
            #expect(try await ids(["q": "phone_number:+44*"]) == [created[7]])
            #expect(try await ids(["q": "email:\"nobody@example.com\""]) == [])

            let first = try #require(Self.array(try await Self.search(stack, token: token, ["per_page": "1"])).first)
            #expect(first["user_id"] as? String == created.last, "newest first")
            #expect(first["phone_number"] as? String == "+442071838750" && first["created_at"] is String)

            var seen: [String] = []
            for page in 0..<4 {
                let reply = try await Self.search(stack, token: token, ["page": "\(page)", "per_page": "3"])
                seen += Self.array(reply).compactMap { $0["user_id"] as? String }
            }
            #expect(seen == created.reversed(), "three pages of three: every user once, newest first")

            let totals = try await Self.search(stack, token: token, ["page": "1", "per_page": "3", "include_totals": "true"])
            let object = try #require(totals.json, "\(Self.text(totals))")
            #expect(object["start"] as? Int == 3 && object["limit"] as? Int == 3 && object["length"] as? Int == 3)
            #expect(object["total"] as? Int == 8)
            #expect((object["users"] as? [[String: Any]])?.compactMap { $0["user_id"] as? String } == Array(created.reversed()[3..<6]))
            let filtered = try #require(try await Self.search(stack, token: token, ["q": "ann", "include_totals": "true"]).json)
            #expect(filtered["total"] as? Int == 2 && filtered["length"] as? Int == 2)
        }
    }

    /// A `q`, `page`, `per_page` or `include_totals` the search cannot use is a 400 in Auth0's
    /// error shape, never a 500.
    @Test func aBadSearchIsA400() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let token = try await Self.token(stack, "read:users")
            let refused: [([String: String], String)] = [
                (["q": "name:\"ann\""], "q searches only email, phone_number"),
                (["q": "ann AND bob"], "q takes one term"),
                (["q": "email:*ann"], "q takes one term, with * only at its end"),
                (["q": "email:\"not an address\""], "is not a valid email address"),
                (["q": "phone_number:\"12\""], "is not a phone number"),
                (["q": "ann\u{0}"], "control character"),
                (["q": String(repeating: "a", count: 400)], "longer than 320"),
                (["page": "-1"], "page must be 0 or more"),
                (["page": "two"], "page must be a whole number"),
                (["per_page": "0"], "per_page must be between 1 and 100"),
                (["per_page": "101"], "per_page must be between 1 and 100"),
                (["page": "20", "per_page": "50"], "first 1000 results"),
                (["include_totals": "yes"], "include_totals must be true or false"),
            ]
            for (parameters, fragment) in refused {
                let reply = try await Self.search(stack, token: token, parameters)
                #expect(reply.status == 400, "\(parameters): \(Self.text(reply))")
                #expect(reply.json?["errorCode"] as? String == "invalid_query_string", "\(parameters)")
                #expect((reply.json?["message"] as? String)?.contains(fragment) == true, "\(parameters): \(Self.text(reply))")
            }
            let last = try await Self.search(stack, token: token, ["page": "9", "per_page": "100"])
            #expect(last.status == 200, "the window's last page: \(Self.text(last))")
        }
    }

    /// 401 without a token, with an unknown, expired or revoked one, or another tenant's; 403
    /// without the route's scope. An expired token is refused at once although the gateway
    /// remembers tokens for 10 s; a revocation shows within those 10 s.
    @Test func theRoutesNeedALiveTokenOfTheTenantWithTheirScope() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            _ = try await stack.makeTenant(name: "globex")
            let writer = try await Self.token(stack, "create:users")
            let user = try await Self.createUser(stack, token: writer, ["connection": "sms", "phone_number": "+14155550300"])
            let reader = try await Self.token(stack, "read:users")
            let routes: [(String, String, [String: Any]?, String)] = [
                ("GET", "/api/v2/users", nil, "read:users"), ("GET", "/api/v2/users/\(user)", nil, "read:users"),
                ("PATCH", "/api/v2/users/\(user)", ["blocked": true], "update:users"),
                ("DELETE", "/api/v2/users/\(user)", nil, "delete:users"),
            ]
            for (method, path, body, scope) in routes {
                let anonymous = try await Self.call(stack, method, path, token: nil, json: body)
                #expect(anonymous.status == 401 && anonymous.json?["errorCode"] as? String == "unauthorized", "\(method) \(path)")
                let unknown = try await Self.call(stack, method, path, token: "not-a-token", json: body)
                #expect(unknown.status == 401, "\(method) \(path)")
                let other = try await Self.token(stack, scope, tenant: "globex")
                let foreign = try await Self.call(stack, method, path, token: other, json: body, headers: ["Host": "acme.example.com"])
                #expect(foreign.status == 401, "globex's token on acme: \(method) \(path)")
                let onItsOwnHost = try await Self.call(
                    stack, method, path, token: other, json: body, headers: ["Host": "globex.example.com"])
                #expect(onItsOwnHost.status == (path == "/api/v2/users" ? 200 : 404), "acme's user is not globex's: \(method) \(path)")
                guard scope != "read:users" else { continue }
                let unscoped = try await Self.call(stack, method, path, token: reader, json: body)
                #expect(unscoped.status == 403 && unscoped.json?["errorCode"] as? String == "insufficient_scope", "\(method) \(path)")
                #expect((unscoped.json?["message"] as? String)?.hasSuffix(scope) == true)
            }

            let creation = ContinuousClock.now
            let expiring = try await Self.token(stack, "read:users", ["--expires-in", "5"])
            #expect(try await Self.call(stack, "GET", "/api/v2/users", token: expiring).status == 200, "live, and now cached")
            let revocable = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "read:users"])
            let revocableToken = revocable["token"] as! String
            #expect(try await Self.call(stack, "GET", "/api/v2/users", token: revocableToken).status == 200)
            let revoked = try await stack.admin(["token", "revoke", revocable["id"] as! String], json: false)
            #expect(revoked.status == 0, "\(revoked.output)")
            try await Task.sleep(until: creation + .seconds(6.5))
            let expired = try await Self.call(stack, "GET", "/api/v2/users", token: expiring)
            #expect(
                expired.status == 401 && expired.json?["errorCode"] as? String == "unauthorized",
                "expired, though cached: \(Self.text(expired))")
            let refused = await TestEnvironment.eventually(within: .seconds(12)) {
                (try? await Self.call(stack, "GET", "/api/v2/users", token: revocableToken).status) == 401
            }
            #expect(refused, "a revoked token is refused once the 10 s cache has let it go")
        }
    }

    /// `PATCH` blocks (the start and token routes answer 401 "user is blocked" at once, also for
    /// a code sent before), unblocks, and moves a user to a new number (the start with it finds
    /// the same user); refuses what the user cannot have; 409 for another user's number.
    @Test func patchBlocksUnblocksAndChangesTheIdentifier() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let token = try await Self.token(stack, "create:users,read:users,update:users")
            let phone = "+14155557400"
            let started = try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone)
            let id = try #require(started.json?["_id"] as? String)
            let beforeBlock = try await stack.smsCode(to: phone)
            let path = "/api/v2/users/sms%7C\(id)"

            let blocked = try await Self.call(stack, "PATCH", path, token: token, json: ["blocked": true])
            #expect(blocked.status == 200 && blocked.json?["blocked"] as? Bool == true, "\(Self.text(blocked))")
            IdentityFlowTests.expectBlocked(try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone))
            IdentityFlowTests.expectBlocked(try await IdentityFlowTests.token(stack, tenant.clientID, phone: phone, code: beforeBlock))
            #expect(try await Self.call(stack, "GET", path, token: token).json?["blocked"] as? Bool == true)

            let unblocked = try await Self.call(stack, "PATCH", path, token: token, json: ["blocked": false])
            #expect(unblocked.status == 200 && unblocked.json?["blocked"] == nil, "\(Self.text(unblocked))")
            #expect(try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone).status == 200)
            let code = try await stack.smsCode(to: phone, count: 2)
            #expect(try await IdentityFlowTests.token(stack, tenant.clientID, phone: phone, code: code).status == 200)

            #expect(try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone).status == 200)
            let beforeMove = try await stack.smsCode(to: phone, count: 3)
            let moved = try await Self.call(stack, "PATCH", path, token: token, json: ["phone_number": "+1 415 555 7401"])
            #expect(moved.status == 200, "\(Self.text(moved))")
            #expect(moved.json?["phone_number"] as? String == "+14155557401" && moved.json?["phone_verified"] as? Bool == false)
            let again = try await IdentityFlowTests.start(stack, tenant.clientID, phone: "+14155557401")
            #expect(again.json?["_id"] as? String == id, "the new number finds the same user")
            let stale = try await IdentityFlowTests.token(stack, tenant.clientID, phone: phone, code: beforeMove)
            #expect(
                stale.status == 403 && stale.json?["error"] as? String == "invalid_grant", "a code the old number got: \(Self.text(stale))")
            let old = try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone)
            let newcomer = try #require(old.json?["_id"] as? String)
            #expect(newcomer != id, "the old number is free: a new user")

            let taken = try await Self.call(stack, "PATCH", path, token: token, json: ["phone_number": phone])
            #expect(taken.status == 409, "\(Self.text(taken))")
            let verified = try await Self.call(
                stack, "PATCH", "/api/v2/users/\(newcomer)", token: token, json: ["phone_verified": true, "connection": "sms"])
            #expect(verified.status == 200 && verified.json?["phone_verified"] as? Bool == true, "\(Self.text(verified))")

            let refused: [([String: Any], String, String)] = [
                (["email": "ann@example.com"], "bad.request", "not an email"),
                (["email_verified": true], "bad.request", "not an email"),
                (["nickname": "ann"], "bad.request", "Unknown property: nickname"),
                (["blocked": "sometimes"], "bad.request", "must be a boolean"),
                (["phone_number": "12"], "bad.phone_number", "E.164"),
                (["connection": "email"], "bad.request", "belongs to the connection sms"),
            ]
            for (body, error, fragment) in refused {
                let reply = try await Self.call(stack, "PATCH", path, token: token, json: body)
                #expect(reply.status == 400 && reply.json?["errorCode"] as? String == error, "\(body): \(Self.text(reply))")
                #expect((reply.json?["message"] as? String)?.contains(fragment) == true, "\(body): \(Self.text(reply))")
            }
            let missing = try await Self.call(
                stack, "PATCH", "/api/v2/users/0123456789abcdef01234567", token: token, json: ["blocked": true])
            #expect(missing.status == 404 && missing.json?["errorCode"] as? String == "inexistent_user")
            // Auth0's Management API shape, which its management SDKs read.
            #expect(missing.json?["statusCode"] as? Int == 404 && missing.json?["error"] as? String == "Not Found", "\(Self.text(missing))")
            #expect(missing.json?["message"] as? String == "The user does not exist.", "\(Self.text(missing))")

            let mail = try await Self.createUser(stack, token: token, ["connection": "email", "email": "ann@example.com"])
            let changed = try await Self.call(
                stack, "PATCH", "/api/v2/users/\(mail)", token: token, json: ["email": "Ann.New@Example.com", "email_verified": true])
            #expect(changed.status == 200 && changed.json?["email"] as? String == "ann.new@example.com", "\(Self.text(changed))")
            #expect(changed.json?["email_verified"] as? Bool == true)
            let found = try await Self.search(stack, token: token, ["q": "email:\"ann.new@example.com\""])
            #expect(Self.array(found).compactMap { $0["user_id"] as? String } == [mail])
        }
    }

    /// `DELETE`: 204, then 404 for the user (GET and DELETE alike); its next start signs it up
    /// afresh with a new id.
    @Test func deleteRemovesTheUserAndItsNextStartSignsUpAfresh() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let token = try await Self.token(stack, "read:users,delete:users")
            let phone = "+14155557500"
            let id = try #require(try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone).json?["_id"] as? String)
            _ = try await stack.smsCode(to: phone)

            let deleted = try await Self.call(stack, "DELETE", "/api/v2/users/sms|\(id)", token: token)
            #expect(deleted.status == 204 && deleted.body.isEmpty, "\(Self.text(deleted))")
            let gone = try await Self.call(stack, "GET", "/api/v2/users/\(id)", token: token)
            #expect(gone.status == 404 && gone.json?["errorCode"] as? String == "inexistent_user")
            let twice = try await Self.call(stack, "DELETE", "/api/v2/users/\(id)", token: token)
            #expect(twice.status == 404 && twice.json?["errorCode"] as? String == "inexistent_user")
            #expect(Self.array(try await Self.search(stack, token: token, [:])).isEmpty)

            let again = try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone)
            let fresh = try #require(again.json?["_id"] as? String)
            #expect(fresh != id, "signed up afresh")
            #expect(Self.array(try await Self.search(stack, token: token, [:])).compactMap { $0["_id"] as? String } == [fresh])
        }
    }

    /// Auth0's own Python SDK (its generated management client), unchanged but for its base URL,
    /// pages through, searches, updates and deletes users.
    @Test func auth0PythonSDKManagesUsers() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            var ids: [String] = []
            for phone in ["+14155557800", "+14155557801", "+14155557802"] {
                let id = try #require(try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone).json?["_id"] as? String)
                ids.append("sms|\(id)")
            }
            let token = try await Self.token(stack, "read:users,update:users,delete:users")
            let script = try ManagedProcess(
                URL(fileURLWithPath: "/usr/bin/env"),
                arguments: ["python3", FlowTests.support("auth0_management_check.py")],
                environment: [
                    "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "PL_BASE_URL": stack.gatewayURL,
                    "PL_TOKEN": token, "PL_USER_IDS": ids.joined(separator: ","),
                ])
            let status = await script.waitForExit(within: .seconds(60))
            #expect(status == 0, "auth0-python management checks failed:\n\(script.output)")
            #expect(script.output.contains("auth0-python management: all checks passed"), "\(script.output)")
        }
    }
}
