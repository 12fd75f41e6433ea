import Foundation
import PostgresNIO
import Testing

/// The identity cache seen from outside: a returning user's start needs no PostgreSQL, and
/// blocking, unblocking and deleting a user (`passwordless-admin user …`) take effect at once,
/// with no TTL to wait for.
@Suite("Identity flow", .serialized)
struct IdentityFlowTests {
    static func start(
        _ stack: PasswordlessStack, _ client: String, phone: String, connection: String = "sms"
    ) async throws -> HTTPProbe.Reply {
        try await stack.postViaCurl("/passwordless/start", json: ["client_id": client, "connection": connection, "phone_number": phone])
    }

    static func token(_ stack: PasswordlessStack, _ client: String, phone: String, code: String) async throws -> HTTPProbe.Reply {
        try await stack.postViaCurl(
            "/oauth/token",
            json: [
                "grant_type": FlowTests.otpGrant, "client_id": client, "username": phone, "otp": code, "realm": "sms", "scope": "openid",
            ])
    }

    /// Makes the `users` table vanish for the duration of `body`: any statement that reads or
    /// writes users fails, so whatever succeeds inside did not touch it.
    static func withoutUsersTable(_ stack: PasswordlessStack, _ body: () async throws -> Void) async throws {
        try await stack.query { client in try await client.query("ALTER TABLE users RENAME TO users_hidden") }
        do {
            try await body()
        } catch {
            try await stack.query { client in try await client.query("ALTER TABLE users_hidden RENAME TO users") }
            throw error
        }
        try await stack.query { client in try await client.query("ALTER TABLE users_hidden RENAME TO users") }
    }

    static func cacheCount(_ stack: PasswordlessStack, _ result: String) async throws -> Double {
        let metrics = String(decoding: try await HTTPProbe.get(stack.metricsURL("passwordless-gateway")).body, as: UTF8.self)
        return ScaleOutTests.sum("passwordless_identity_cache_total", matching: "result=\"\(result)\"", in: metrics)
    }

    static func expectBlocked(_ reply: HTTPProbe.Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.status == 401, "\(String(decoding: reply.body, as: UTF8.self))", sourceLocation: sourceLocation)
        #expect(reply.json?["error"] as? String == "unauthorized", sourceLocation: sourceLocation)
        #expect(reply.json?["error_description"] as? String == "user is blocked", sourceLocation: sourceLocation)
    }

    /// After the first start (which creates the user and fills the cache), the next start runs
    /// with the `users` table renamed away, and still answers the same id and sends the code.
    @Test(arguments: [RedisTarget.single, .cluster]) func aReturningUsersStartDoesNotTouchPostgreSQL(redis: RedisTarget) async throws {
        var options = PasswordlessStack.Options()
        options.redis = redis
        try await PasswordlessStack.with(options) { stack in
            let tenant = try await stack.makeTenant()
            let phone = "+14155557000"
            let first = try await Self.start(stack, tenant.clientID, phone: phone)
            #expect(first.status == 200)
            let id = try #require(first.json?["_id"] as? String)
            _ = try await stack.smsCode(to: phone)
            let hits = try await Self.cacheCount(stack, "hit")

            var code = ""
            try await Self.withoutUsersTable(stack) {
                let again = try await Self.start(stack, tenant.clientID, phone: phone)
                #expect(again.status == 200, "\(String(decoding: again.body, as: UTF8.self))")
                #expect(again.json?["_id"] as? String == id)
                code = try await stack.smsCode(to: phone, count: 2)
                // The control: a start that does need the table (a new user) fails meanwhile (500:
                // a missing table is no dependency outage).
                let control = try await Self.start(stack, tenant.clientID, phone: "+14155557001")
                #expect(control.status == 500, "\(control.status) \(String(decoding: control.body, as: UTF8.self))")
            }
            #expect(try await Self.cacheCount(stack, "hit") == hits + 1)
            let login = try await Self.token(stack, tenant.clientID, phone: phone, code: code)
            #expect(login.status == 200, "\(String(decoding: login.body, as: UTF8.self))")
        }
    }

    /// Block: start and token routes answer 401 "user is blocked" at once (also for a code sent
    /// before the block), nothing is sent; unblock: it works again at once.
    @Test func blockingAndUnblockingTakeEffectAtOnce() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let phone = "+14155557100"
            let first = try await Self.start(stack, tenant.clientID, phone: phone)
            let id = try #require(first.json?["_id"] as? String)
            let earlier = try await stack.smsCode(to: phone)
            #expect(try await Self.start(stack, tenant.clientID, phone: phone).status == 200, "a cache hit")
            let beforeBlock = try await stack.smsCode(to: phone, count: 2)
            _ = earlier

            let blocked = try await stack.admin(["user", "block", "--tenant", "acme", id])
            #expect(blocked.status == 0, "\(blocked.output)")
            #expect(blocked.json["blocked"] as? Bool == true && blocked.json["user_id"] as? String == "sms|\(id)")
            Self.expectBlocked(try await Self.start(stack, tenant.clientID, phone: phone))
            Self.expectBlocked(try await Self.token(stack, tenant.clientID, phone: phone, code: beforeBlock))
            let shown = try await stack.admin(["user", "show", "--tenant", "acme", "sms|\(id)"])
            #expect(shown.json["blocked"] as? Bool == true && shown.json["phone_number"] as? String == phone)

            let unblocked = try await stack.admin(["user", "unblock", "--tenant", "acme", id])
            #expect(unblocked.status == 0 && unblocked.json["blocked"] as? Bool == false, "\(unblocked.output)")
            #expect(try await Self.start(stack, tenant.clientID, phone: phone).status == 200)
            let code = try await stack.smsCode(to: phone, count: 3)
            #expect(try await Self.token(stack, tenant.clientID, phone: phone, code: code).status == 200)
            try await Task.sleep(for: .milliseconds(500))
            #expect(stack.smsMessages().filter { $0.To == phone }.count == 3, "nothing was sent while blocked")

            let unknown = try await stack.admin(["user", "block", "--tenant", "acme", "0123456789abcdef01234567"])
            #expect(unknown.status != 0 && unknown.output.contains("has no user"))
        }
    }

    /// Delete: on a connection open to sign-ups the next start makes a new user; with sign-ups
    /// disabled it gets the decoy again. A user created through the management API replaces the
    /// cached "no such user" at once.
    @Test func deletedAndCreatedUsersAreSeenAtOnce() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await SecurityTests.smsConnection(stack, name: "closed", ["--disable-signup"] + PasswordlessStack.unlimited)
            let token = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "create:users"])["token"] as! String

            let open = "+14155557200"
            let first = try #require(try await Self.start(stack, tenant.clientID, phone: open).json?["_id"] as? String)
            _ = try await stack.admin(["user", "delete", "--tenant", "acme", first])
            let second = try #require(try await Self.start(stack, tenant.clientID, phone: open).json?["_id"] as? String)
            #expect(second != first, "a deleted user signs up afresh")

            let closed = "+14155557300"
            let decoy = try #require(
                try await Self.start(stack, tenant.clientID, phone: closed, connection: "closed").json?["_id"] as? String)
            let created = try await stack.post(
                "/api/v2/users", json: ["connection": "closed", "phone_number": closed], headers: ["Authorization": "Bearer \(token)"])
            #expect(created.status == 201)
            let real = try #require(created.json?["user_id"] as? String ?? created.json?["_id"] as? String)
            let started = try await Self.start(stack, tenant.clientID, phone: closed, connection: "closed")
            #expect(real.hasSuffix(started.json?["_id"] as? String ?? "?"), "the created user, not the decoy")
            _ = try await stack.smsCode(to: closed)

            let deleted = try await stack.admin(["user", "delete", "--tenant", "acme", "closed|" + (started.json?["_id"] as? String ?? "")])
            #expect(deleted.status == 0, "\(deleted.output)")
            let afterDelete = try await Self.start(stack, tenant.clientID, phone: closed, connection: "closed")
            #expect(afterDelete.status == 200 && afterDelete.json?["_id"] as? String == decoy, "the decoy again")
            try await Task.sleep(for: .milliseconds(500))
            #expect(stack.smsMessages().filter { $0.To == closed }.count == 1)
        }
    }

    /// With sign-ups disabled, an existing and a missing user answer the same shape and, after
    /// their first start, both are cache hits that need no PostgreSQL.
    @Test func withSignUpsDisabledExistingAndMissingUsersBothHitTheCache() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            try await SecurityTests.smsConnection(stack, name: "closed", ["--disable-signup"] + PasswordlessStack.unlimited)
            let token = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "create:users"])["token"] as! String
            let (existing, missing) = ("+14155557400", "+14155557401")
            #expect(
                try await stack.post(
                    "/api/v2/users", json: ["connection": "closed", "phone_number": existing], headers: ["Authorization": "Bearer \(token)"]
                ).status == 201)
            for phone in [existing, missing] {
                #expect(try await Self.start(stack, tenant.clientID, phone: phone, connection: "closed").status == 200)
            }
            let (hits, misses) = (try await Self.cacheCount(stack, "hit"), try await Self.cacheCount(stack, "miss"))

            try await Self.withoutUsersTable(stack) {
                let known = try await Self.start(stack, tenant.clientID, phone: existing, connection: "closed")
                let unknown = try await Self.start(stack, tenant.clientID, phone: missing, connection: "closed")
                #expect(known.status == 200 && unknown.status == 200)
                #expect(Set(known.json?.keys.map { $0 } ?? []) == Set(unknown.json?.keys.map { $0 } ?? []))
            }
            #expect(try await Self.cacheCount(stack, "hit") == hits + 2)
            #expect(try await Self.cacheCount(stack, "miss") == misses)
            _ = try await stack.smsCode(to: existing, count: 2)
            #expect(stack.smsMessages().allSatisfy { $0.To == existing })
        }
    }
}
