import Foundation
import Testing

/// The admin CLI's `list`, `show`, `update` and `delete` beside each `create`, as an operator
/// drives them against a running stack: tenants, connections (and their test message), signing
/// keys and dead letters per tenant. Every refusal is one line and a non-zero status.
@Suite("Admin CLI: tenants, connections, keys and dead letters", .serialized)
struct AdminLifecycleTests {
    /// Lines of `output` that are not blank.
    static func lines(_ output: String) -> [Substring] {
        output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }

    /// Expects `arguments` to fail with exactly one line containing `message`.
    static func expectRefusal(
        _ stack: PasswordlessStack, _ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let result = try await stack.admin(arguments, json: false)
        #expect(result.status != 0 && result.output.contains(message), "\(arguments): \(result.output)", sourceLocation: sourceLocation)
        #expect(lines(result.output).count == 1, "not one line: \(result.output)", sourceLocation: sourceLocation)
    }

    /// A JSON array a `list --json` printed.
    static func array(_ output: String) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]], "not a JSON array: \(output)")
    }

    @Test func tenantsAreListedShownRenamedAndDeletedWithEverythingTheyOwn() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant(name: "acme")
            _ = try await stack.makeTenant(name: "beta")
            let listed = try Self.array(try await stack.admin(["tenant", "list", "--json"], json: false).output)
            #expect(listed.compactMap { $0["name"] as? String } == ["acme", "beta"])
            #expect(listed.allSatisfy { Set($0.keys) == ["id", "name", "domain"] }, "\(listed)")
            let table = try await stack.admin(["tenant", "list"], json: false).output
            #expect(Self.lines(table).first == "name\tdomain\tid" && table.contains("beta\tbeta.example.com\t"), "\(table)")

            let shown = try await stack.admin(["tenant", "show", "acme.example.com"])
            #expect(shown.json["name"] as? String == "acme" && shown.json["domain"] as? String == "acme.example.com")
            let renamed = try await stack.create(["tenant", "update", "acme", "--name", "acme-eu", "--domain", "eu.acme.example.com"])
            #expect(renamed["name"] as? String == "acme-eu" && renamed["domain"] as? String == "eu.acme.example.com")
            #expect(renamed["id"] as? String == shown.json["id"] as? String)
            // The gateway answers for the tenant at its new domain once its 10 s cache has turned.
            let moved = await TestEnvironment.eventually(within: .seconds(15)) {
                let answer = try? RawHTTPSocket.exchange(
                    port: HostileInputTests.port(stack),
                    "GET /.well-known/openid-configuration HTTP/1.1\r\nHost: eu.acme.example.com\r\nConnection: close\r\n\r\n")
                return answer?.json?["issuer"] as? String == "https://eu.acme.example.com/"
            }
            #expect(moved, "the gateway does not answer for the tenant's new domain")

            try await Self.expectRefusal(stack, ["tenant", "update", "acme-eu", "--name", "Not A Name"], "--name must be lower-case")
            try await Self.expectRefusal(stack, ["tenant", "update", "acme-eu"], "give --name and/or --domain")
            try await Self.expectRefusal(stack, ["tenant", "update", "beta", "--name", "acme-eu"], "a tenant named acme-eu already exists")
            try await Self.expectRefusal(stack, ["tenant", "show", "nope"], "no tenant named nope")
            try await Self.expectRefusal(stack, ["tenant", "delete", "nope"], "no tenant named nope")

            // Not a terminal: no question is asked (a script never hangs).
            let deleted = try await stack.admin(["tenant", "delete", "beta"], json: false)
            #expect(deleted.status == 0 && deleted.output.contains("deleted beta"), "\(deleted.output)")
            let after = try Self.array(try await stack.admin(["tenant", "list", "--json"], json: false).output)
            #expect(after.compactMap { $0["name"] as? String } == ["acme-eu"])
            try await Self.expectRefusal(stack, ["client", "list", "--tenant", "beta"], "no tenant named beta")
            let betaID = try #require(listed.first { $0["name"] as? String == "beta" }?["id"] as? String)
            let remains = try await stack.query { client -> Int in
                var count = -1
                let id = UUID(uuidString: betaID)!
                for try await value in try await client.query(
                    """
                    SELECT (SELECT count(*) FROM clients WHERE tenant_id = \(id)) + (SELECT count(*) FROM connections WHERE tenant_id = \(id))
                         + (SELECT count(*) FROM signing_keys WHERE tenant_id = \(id))
                    """
                ).decode(Int.self) { count = value }
                return count
            }
            #expect(remains == 0, "beta's clients, connections or keys outlived it")
        }
    }

    @Test func connectionsAreListedTestedAndDeleted() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let listed = try Self.array(try await stack.admin(["connection", "list", "--tenant", "acme", "--json"], json: false).output)
            #expect(listed.compactMap { $0["name"] as? String } == ["email", "sms"])
            let sms = try #require(listed.first { $0["name"] as? String == "sms" })
            #expect(sms["provider"] as? String == "twilio" && sms["has_credentials"] as? Bool == true)
            #expect(sms["rate_per_recipient"] as? String == "1000/60" && sms["code_length"] as? Int == 6, "\(sms)")
            let shown = try await stack.admin(["connection", "show", "--tenant", "acme", "sms"])
            #expect(Set(shown.json.keys) == Set(sms.keys), "list and show print different objects")
            let everything = try await stack.admin(["connection", "list", "--tenant", "acme"], json: false).output
            #expect(!everything.contains(PasswordlessStack.twilioToken))

            // A test message goes out through the provider; its code signs no one in.
            let sent = try await stack.create(["connection", "test", "--tenant", "acme", "sms", "--to", "+14155550177"])
            #expect(sent["connection"] as? String == "sms" && (sent["job_id"] as? String)?.isEmpty == false)
            let code = try await stack.smsCode(to: "+14155550177")
            let exchange = try await stack.post(
                "/oauth/token",
                json: [
                    "grant_type": FlowTests.otpGrant, "client_id": tenant.clientID, "username": "+14155550177", "otp": code,
                    "realm": "sms",
                ])
            #expect(exchange.status == 403, "the test message's code signed someone in: \(exchange.status)")
            let users = try await stack.query { client -> Int in
                var count = -1
                for try await value in try await client.query("SELECT count(*) FROM users").decode(Int.self) { count = value }
                return count
            }
            #expect(users == 0, "a test message created a user")
            try await Self.expectRefusal(
                stack, ["connection", "test", "--tenant", "acme", "email", "--to", "+14155550177"], "--to must be an email address")
            try await Self.expectRefusal(
                stack, ["connection", "test", "--tenant", "acme", "fax", "--to", "a@b.example"], "has no connection fax")

            let deleted = try await stack.admin(["connection", "delete", "--tenant", "acme", "email"])
            #expect(deleted.status == 0 && deleted.json["name"] as? String == "email", "\(deleted.output)")
            #expect(deleted.json["strategy"] as? String == "email" && deleted.json["provider"] as? String == "smtp")
            let left = try Self.array(try await stack.admin(["connection", "list", "--tenant", "acme", "--json"], json: false).output)
            #expect(left.compactMap { $0["name"] as? String } == ["sms"])
            try await Self.expectRefusal(
                stack, ["connection", "delete", "--tenant", "acme", "email"], "tenant acme has no connection email")
        }
    }

    @Test func keysAreListedAndAPreviousKeyIsRevokedOutOfTheJWKS() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let first = try await stack.admin(["keys", "list", "--tenant", "acme", "--json"], json: false)
            let original = try #require(try Self.array(first.output).first?["kid"] as? String)
            let second = try #require(try await stack.create(["keys", "rotate", "--tenant", "acme"])["kid"] as? String)
            let current = try #require(try await stack.create(["keys", "rotate", "--tenant", "acme"])["kid"] as? String)
            let keys = try Self.array(try await stack.admin(["keys", "list", "--tenant", "acme", "--json"], json: false).output)
            #expect(keys.compactMap { $0["kid"] as? String } == [current, second, original])
            #expect(keys.compactMap { $0["state"] as? String } == ["current", "previous", "previous"])
            #expect(keys.allSatisfy { !$0.keys.contains { $0.contains("private") } })

            try await Self.expectRefusal(stack, ["keys", "revoke", "--tenant", "acme", current], "is current: rotate first")
            let revoked = try await stack.admin(["keys", "revoke", "--tenant", "acme", original], json: false)
            #expect(revoked.status == 0 && revoked.output.contains("revoked \(original)"), "\(revoked.output)")
            try await Self.expectRefusal(stack, ["keys", "revoke", "--tenant", "acme", original], "already revoked")
            try await Self.expectRefusal(stack, ["keys", "revoke", "--tenant", "acme", "no-such-kid"], "has no signing key no-such-kid")
            let states = try Self.array(try await stack.admin(["keys", "list", "--tenant", "acme", "--json"], json: false).output)
            #expect(states.last?["state"] as? String == "revoked" && states.last?["revoked_at"] is String)

            // The JWKS (first loaded now) publishes the current and the previous key, not the revoked one.
            let jwks = try await HTTPProbe.get(stack.gatewayURL + "/.well-known/jwks.json")
            let published = try #require(try JSONSerialization.jsonObject(with: jwks.body) as? [String: Any])["keys"] as? [[String: Any]]
            #expect(Set((published ?? []).compactMap { $0["kid"] as? String }) == [current, second])
        }
    }

    @Test func deadLettersAreListedRequeuedAndPurgedPerTenant() async throws {
        try await PasswordlessStack.with { stack in
            // Fake Twilio refuses +15005550001 for good: each start leaves one dead letter.
            for name in ["acme", "beta"] {
                let tenant = try await stack.makeTenant(name: name)
                let reply = try await stack.post(
                    "/passwordless/start", json: ["client_id": tenant.clientID, "connection": "sms", "phone_number": "+15005550001"])
                #expect(reply.status == 200)
            }
            let dead = await TestEnvironment.eventually(within: .seconds(15)) {
                (try? await stack.admin(["queue", "stats"]).json["dead"] as? Int) == 2
            }
            #expect(dead, "two dead letters expected:\n\(stack.dispatcher.output.suffix(2000))")

            let acme = try await stack.admin(["dead", "list", "--tenant", "acme", "--json"], json: false)
            let acmeLines = Self.lines(acme.output)
            #expect(acmeLines.count == 1, "\(acme.output)")
            let entry = try #require(try JSONSerialization.jsonObject(with: Data((acmeLines.first ?? "").utf8)) as? [String: Any])
            #expect(entry["tenant"] as? String == "acme" && entry["recipient"] as? String == "+15005550001", "\(entry)")
            let text = try await stack.admin(["dead", "list"], json: false).output
            #expect(text.contains("  acme  ") && text.contains("  beta  "), "\(text)")
            let requeued = try await stack.admin(["dead", "requeue", "--all", "--tenant", "beta"])
            #expect(requeued.json["requeued"] as? Int == 1 && requeued.json["expired"] as? Int == 0, "\(requeued.output)")
            try await Self.expectRefusal(stack, ["dead", "requeue", entry["job_id"] as! String, "--tenant", "beta"], "of tenant beta")
            // beta's letter dies again (the number is still refused).
            let again = await TestEnvironment.eventually(within: .seconds(15)) {
                (try? await stack.admin(["queue", "stats"]).json["dead"] as? Int) == 2
            }
            #expect(again)

            try await Self.expectRefusal(stack, ["dead", "purge", "--tenant", "nope"], "no tenant named nope")
            let purged = try await stack.admin(["dead", "purge", "--tenant", "acme"])
            #expect(purged.json["purged"] as? Int == 1, "\(purged.output)")
            let left = Self.lines(try await stack.admin(["dead", "list", "--json"], json: false).output)
            #expect(left.count == 1 && left.first?.contains(#""tenant":"beta""#) == true, "\(left)")

            // On a terminal the purge asks first; anything but yes changes nothing.
            let refused = try await Self.onTerminal(stack, ["dead", "purge"], answer: "n")
            #expect(refused.contains("Delete every dead letter of every tenant? [y/N]") && refused.contains("not confirmed"), "\(refused)")
            #expect(try await stack.admin(["queue", "stats"]).json["dead"] as? Int == 1)
            let confirmed = try await Self.onTerminal(stack, ["dead", "purge"], answer: "yes")
            #expect(confirmed.contains("purged: 1"), "\(confirmed)")
            let skipped = try await Self.onTerminal(stack, ["dead", "purge", "--yes"], answer: "")
            #expect(!skipped.contains("[y/N]") && skipped.contains("purged: 0"), "\(skipped)")
        }
    }

    /// Runs `passwordless-admin arguments` on a pseudo-terminal (util-linux `script`) answering
    /// `answer` to a question; returns what the terminal showed.
    static func onTerminal(_ stack: PasswordlessStack, _ arguments: [String], answer: String) async throws -> String {
        let admin = try TestEnvironment.binDirectory().appendingPathComponent("passwordless-admin").path
        let command = ([admin] + arguments).joined(separator: " ")
        let shell = try ManagedProcess(
            URL(fileURLWithPath: "/bin/sh"),
            arguments: ["-c", "(sleep 1; printf '%s\\n' \"$ANSWER\"; sleep 1) | script -qec \"$COMMAND\" /dev/null"],
            environment: stack.environment.merging(["ANSWER": answer, "COMMAND": command]) { $1 })
        _ = await shell.waitForExit(within: .seconds(30))
        return shell.output
    }
}
