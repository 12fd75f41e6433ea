import Foundation
import Testing

/// `passwordless-admin token create|list` (expiry, states, never the token) and `user list`
/// (search, pages, table and JSON), with their one-line errors.
@Suite("Token and user commands", .serialized)
struct TokenAndUserCommandTests {
    /// The JSON array a `list --json` printed.
    static func array(_ output: String) -> [[String: Any]] {
        let line = output.split(separator: "\n").first { $0.hasPrefix("[") } ?? "[]"
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [[String: Any]] ?? []
    }

    static func date(_ value: Any?) -> Date? {
        (value as? String).flatMap { try? Date($0, strategy: .iso8601) }
    }

    /// The error line of a failed command: exit status 1 and `Error: …` naming the problem.
    static func expectError(
        _ result: (status: Int32?, output: String, json: [String: Any]), _ fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status == 1 || result.status == 64, "\(result.output)", sourceLocation: sourceLocation)
        let line = result.output.split(separator: "\n").first { $0.hasPrefix("Error:") }.map(String.init) ?? ""
        #expect(line.contains(fragment), "\(result.output)", sourceLocation: sourceLocation)
    }

    @Test func tokensExpireAsAskedAndAreListedWithTheirState() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let now = Date()
            let standard = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "read:users,update:users"])
            let month = try #require(Self.date(standard["expires_at"]), "\(standard)")
            #expect(abs(month.timeIntervalSince(now) - 30 * 86_400) < 120, "30 days by default")
            let halfDay = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "delete:users", "--expires-in", "12h"])
            #expect(abs((Self.date(halfDay["expires_at"]) ?? .distantPast).timeIntervalSince(now) - 12 * 3600) < 120)
            let forever = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "read:users", "--expires-in", "never"])
            #expect(forever["expires_at"] == nil && forever["token"] is String)
            let text = try await stack.admin(
                ["token", "create", "--tenant", "acme", "--scopes", "read:users", "--expires-in", "never"], json: false)
            #expect(text.output.contains("expires_at: never"), "\(text.output)")
            let brief = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "read:users", "--expires-in", "1"])
            let revoked = try await stack.admin(["token", "revoke", standard["id"] as! String], json: false)
            #expect(revoked.status == 0)
            try await Task.sleep(for: .seconds(1.5))

            let listed = try await stack.admin(["token", "list", "--tenant", "acme"])
            #expect(listed.status == 0, "\(listed.output)")
            let tokens = Self.array(listed.output)
            #expect(tokens.count == 5)
            let states = Dictionary(uniqueKeysWithValues: tokens.map { ($0["id"] as? String ?? "", $0["state"] as? String ?? "") })
            #expect(states[standard["id"] as! String] == "revoked")
            #expect(states[brief["id"] as! String] == "expired")
            #expect(states[halfDay["id"] as! String] == "live" && states[forever["id"] as! String] == "live")
            for token in tokens {
                #expect(token["token"] == nil && token["tenant"] as? String == "acme" && Self.date(token["created_at"]) != nil)
                #expect(Set(token.keys).isSubset(of: ["id", "scopes", "tenant", "created_at", "expires_at", "state"]))
            }
            #expect(tokens.first { $0["id"] as? String == halfDay["id"] as? String }?["scopes"] as? [String] == ["delete:users"])
            for secret in [standard, halfDay, forever, brief].compactMap({ $0["token"] as? String }) {
                #expect(!listed.output.contains(secret))
            }
            let table = try await stack.admin(["token", "list", "--tenant", "acme"], json: false)
            #expect(table.output.hasPrefix("id\tscopes\tstate\tcreated_at\texpires_at"), "\(table.output)")
            #expect(table.output.contains("revoked") && table.output.contains("expired"))

            for bad in ["0", "30x", "3651d", "-5", "1.5h", ""] {
                Self.expectError(
                    try await stack.admin(["token", "create", "--tenant", "acme", "--scopes", "read:users", "--expires-in=\(bad)"]),
                    bad.isEmpty ? "Missing value for '--expires-in" : "--expires-in takes seconds")
            }
            Self.expectError(
                try await stack.admin(["token", "create", "--tenant", "acme", "--scopes", "write:users"]), "unknown: write:users")
            Self.expectError(try await stack.admin(["token", "list", "--tenant", "nobody"]), "no tenant named nobody")
        }
    }

    @Test func userListSearchesAndPagesAsTheManagementAPIDoes() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            var ids: [String] = []
            for phone in ["+14155557600", "+14155557601", "+14155557602"] {
                ids.append(try #require(try await IdentityFlowTests.start(stack, tenant.clientID, phone: phone).json?["_id"] as? String))
            }
            let token = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "create:users"])["token"] as! String
            let created = try await stack.post(
                "/api/v2/users", json: ["connection": "email", "email": "ann@example.com"], headers: ["Authorization": "Bearer \(token)"])
            let ann = try #require(created.json?["_id"] as? String)
            _ = try await stack.admin(["user", "block", "--tenant", "acme", ids[1]])

            let all = try await stack.admin(["user", "list", "--tenant", "acme"])
            #expect(all.status == 0, "\(all.output)")
            let users = Self.array(all.output)
            #expect(users.compactMap { $0["id"] as? String } == [ann] + ids.reversed(), "newest first")
            let shown = try await stack.admin(["user", "show", "--tenant", "acme", ids[1]])
            let listed = try #require(users.first { $0["id"] as? String == ids[1] })
            #expect(listed["blocked"] as? Bool == true && listed["user_id"] as? String == "sms|\(ids[1])")
            #expect(Set(listed.keys) == Set(shown.json.keys), "the objects user show --json prints")
            #expect(listed["phone_number"] as? String == shown.json["phone_number"] as? String && Self.date(listed["created_at"]) != nil)

            let exact = try await stack.admin(["user", "list", "--tenant", "acme", "--query", "phone_number:\"+1 415 555 7601\""])
            #expect(Self.array(exact.output).compactMap { $0["id"] as? String } == [ids[1]], "\(exact.output)")
            let prefix = try await stack.admin(["user", "list", "--tenant", "acme", "--query", "AN"])
            #expect(Self.array(prefix.output).compactMap { $0["email"] as? String } == ["ann@example.com"])
            var paged: [String] = []
            for page in 0..<3 {
                let result = try await stack.admin(["user", "list", "--tenant", "acme", "--page", "\(page)", "--per-page", "2"])
                paged += Self.array(result.output).compactMap { $0["id"] as? String }
            }
            #expect(paged == [ann] + ids.reversed(), "pages neither repeat nor skip")

            let table = try await stack.admin(["user", "list", "--tenant", "acme", "--query", "+1415555760"], json: false)
            let lines = table.output.split(separator: "\n")
            #expect(lines.first == "user_id\temail\tphone_number\tblocked\tcreated_at", "\(table.output)")
            #expect(lines.count == 4 && lines.contains { $0.hasPrefix("sms|\(ids[1])\t\t+14155557601\ttrue\t") }, "\(table.output)")

            Self.expectError(try await stack.admin(["user", "list", "--tenant", "acme", "--query", "name:ann"]), "--query searches only")
            Self.expectError(
                try await stack.admin(["user", "list", "--tenant", "acme", "--per-page", "500"]), "--per-page must be between")
            Self.expectError(try await stack.admin(["user", "list", "--tenant", "acme", "--page=-1"]), "--page must be 0 or more")
            Self.expectError(
                try await stack.admin(["user", "list", "--tenant", "acme", "--page", "10", "--per-page", "100"]), "first 1000 results")
        }
    }
}
