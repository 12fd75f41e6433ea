import Foundation
import Logging
import PostgresNIO
import RedisClient
import Testing

/// What a hostile or merely strange client, and a stalling dependency, get: never a 500 and
/// never a bare answer. The HTTP edge cases go over raw sockets, as no client library would
/// send them; the stalls are real (Redis paused, the users table locked).
@Suite("Hostile input", .serialized)
struct HostileInputTests {
    static func port(_ stack: PasswordlessStack) -> Int { Int(stack.gatewayURL.split(separator: ":").last!)! }

    /// An answer in Auth0's shape with this status and (when given) this `error`.
    static func expectJSONError(
        _ answer: RawHTTPSocket.Answer?, _ status: Int, _ error: String? = nil, _ what: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let answer else {
            Issue.record("\(what): no answer", sourceLocation: sourceLocation)
            return
        }
        #expect(answer.status == status, "\(what): \(answer.status) \(answer.text)", sourceLocation: sourceLocation)
        #expect(
            answer.headers["content-type"]?.hasPrefix("application/json") == true, "\(what): \(answer.headers)",
            sourceLocation: sourceLocation)
        #expect(
            answer.json?["error"] is String && answer.json?["error_description"] is String, "\(what): \(answer.text)",
            sourceLocation: sourceLocation)
        if let error { #expect(answer.json?["error"] as? String == error, "\(what): \(answer.text)", sourceLocation: sourceLocation) }
    }

    static func expectAllRunning(_ stack: PasswordlessStack, sourceLocation: SourceLocation = #_sourceLocation) {
        for (name, service) in stack.services {
            #expect(
                service.process.isRunning, "\(name) is not running:\n\(service.process.output.suffix(2000))", sourceLocation: sourceLocation
            )
        }
    }

    static func startBody(_ client: String, phone: String) -> String {
        #"{"client_id":"\#(client)","connection":"sms","phone_number":"\#(phone)","send":"code"}"#
    }

    // MARK: Finding 3: requests that do not parse, or that we do not serve

    @Test func malformedRequestsGetTheRightStatusWithAJSONBody() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let port = Self.port(stack)
            let host = "Host: \(tenant.domain)\r\n"
            let get = "GET /healthz HTTP/1.1\r\n"

            for coding in ["gzip", "identity", "foo", "chunked, gzip"] {
                let answer = try RawHTTPSocket.exchange(
                    port: port,
                    "POST /passwordless/start HTTP/1.1\r\n\(host)Content-Type: application/json\r\nTransfer-Encoding: \(coding)\r\n\r\n0\r\n\r\n"
                )
                Self.expectJSONError(answer, 400, "bad.request", "Transfer-Encoding: \(coding)")
            }
            let gzipChunked = try RawHTTPSocket.exchange(
                port: port,
                "POST /passwordless/start HTTP/1.1\r\n\(host)Content-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"
            )
            Self.expectJSONError(gzipChunked, 501, nil, "Transfer-Encoding: gzip, chunked")

            let big = String(repeating: "a", count: 17 * 1024)
            Self.expectJSONError(try RawHTTPSocket.exchange(port: port, "\(get)\(host)X-Big: \(big)\r\n\r\n"), 431, nil, "a 17 KiB header")
            let huge = String(repeating: "b", count: 1024 * 1024)
            Self.expectJSONError(try RawHTTPSocket.exchange(port: port, "\(get)\(host)X-Huge: \(huge)\r\n\r\n"), 431, nil, "a 1 MB header")
            let many = (0..<5000).map { "x\($0): y\r\n" }.joined()
            Self.expectJSONError(try RawHTTPSocket.exchange(port: port, "\(get)\(host)\(many)\r\n"), 431, nil, "5,000 headers")
            // Just under the limit is served.
            let fine = try RawHTTPSocket.exchange(port: port, "\(get)\(host)X-Fine: \(String(repeating: "c", count: 8 * 1024))\r\n\r\n")
            #expect(fine?.status == 200, "an 8 KiB header: \(fine?.text ?? "no answer")")

            Self.expectJSONError(
                try RawHTTPSocket.exchange(port: port, "get /healthz HTTP/1.1\r\n\(host)\r\n"), 400, "bad.request", "lowercase method")
            Self.expectJSONError(try RawHTTPSocket.exchange(port: port, "\(get)\r\n"), 400, "bad.request", "no Host")
            Self.expectJSONError(
                try RawHTTPSocket.exchange(port: port, "\(get)\(host)Host: other.example.com\r\n\r\n"), 400, "bad.request",
                "two Host headers")
            Self.expectJSONError(
                try RawHTTPSocket.exchange(port: port, "GET /healthz HTTP/1.1 junk\r\n\(host)\r\n"), 400, "bad.request",
                "a broken request line")

            let wrongMethod = try RawHTTPSocket.exchange(port: port, "GET /passwordless/start HTTP/1.1\r\n\(host)\r\n")
            Self.expectJSONError(wrongMethod, 405, "method_not_allowed", "GET on a POST route")
            #expect(wrongMethod?.headers["allow"] == "POST")
            let postHealth = try RawHTTPSocket.exchange(port: port, "POST /healthz HTTP/1.1\r\n\(host)Content-Length: 0\r\n\r\n")
            Self.expectJSONError(postHealth, 405, "method_not_allowed", "POST on a GET route")
            #expect(postHealth?.headers["allow"]?.contains("GET") == true)
            Self.expectJSONError(
                try RawHTTPSocket.exchange(port: port, "GET /no/such/path HTTP/1.1\r\n\(host)\r\n"), 404, nil, "an unknown path")

            // Bodies: only JSON and forms are read; duplicate keys are refused.
            let body = Self.startBody(tenant.clientID, phone: "+14155550100")
            for type in ["text/plain", "text/plain;charset=UTF-8", "multipart/form-data; boundary=x"] {
                let reply = try await HTTPProbe.send(
                    "POST", stack.gatewayURL + "/passwordless/start", body: Data(body.utf8), headers: ["Content-Type": type])
                #expect(reply.status == 415, "Content-Type \(type): \(reply.status)")
                #expect(reply.json?["error"] as? String == "unsupported_media_type")
            }
            // No Content-Type at all (URLSession would add one, so over a raw socket).
            let untyped = try RawHTTPSocket.exchange(
                port: port, "POST /passwordless/start HTTP/1.1\r\n\(host)Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
            Self.expectJSONError(untyped, 415, "unsupported_media_type", "a body without Content-Type")
            let token = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/oauth/token", body: Data(#"{"grant_type":"password"}"#.utf8),
                headers: ["Content-Type": "text/plain"])
            #expect(token.status == 415, "/oauth/token with text/plain: \(token.status)")
            let duplicate =
                #"{"client_id":"\#(tenant.clientID)","connection":"sms","phone_number":"+14155550101","phone_number":"+14155550102","send":"code"}"#
            let twice = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/passwordless/start", body: Data(duplicate.utf8), headers: ["Content-Type": "application/json"])
            #expect(twice.status == 400 && twice.json?["error"] as? String == "bad.request", "duplicate keys: \(twice.status)")
            let truncated = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/passwordless/start", body: Data(body.dropLast(3).utf8),
                headers: ["Content-Type": "application/json"])
            #expect(truncated.status == 400 && truncated.json?["error"] as? String == "bad.request")
            let oversized = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/passwordless/start",
                body: Data(("{\"x\":\"" + String(repeating: "z", count: 40_000) + "\"}").utf8),
                headers: ["Content-Type": "application/json"])
            #expect(oversized.status == 413 && oversized.json?["error"] is String)
            // The form encoding still works, and so does JSON with a charset.
            let json = try await HTTPProbe.send(
                "POST", stack.gatewayURL + "/passwordless/start", body: Data(body.utf8),
                headers: ["Content-Type": "application/json; charset=utf-8"])
            #expect(json.status == 200, "\(String(decoding: json.body, as: UTF8.self))")

            Self.expectAllRunning(stack)
            #expect(await HTTPProbe.status(stack.gatewayURL + "/readyz") == 200)
        }
    }

    // MARK: Finding 4: slow clients

    @Test func slowClientsAreCutOffWithoutAnAnswer() async throws {
        var options = PasswordlessStack.Options()
        options.gatewayEnvironment = [
            "HTTP_HEAD_TIMEOUT": "1", "HTTP_BODY_TIMEOUT": "3", "HTTP_IDLE_TIMEOUT": "2", "DEPENDENCY_TIMEOUT": "1",
        ]
        try await PasswordlessStack.with(options) { stack in
            let port = Self.port(stack)

            // A connection that sends nothing at all.
            var started = ContinuousClock.now
            let silent = try RawHTTPSocket(port: port)
            #expect(silent.closesWithoutAnswer(within: .seconds(5)), "a silent connection was not closed")
            #expect(ContinuousClock.now - started < .seconds(4))

            // Part of a request line, then nothing: closed after the head timeout, no answer.
            started = ContinuousClock.now
            let partial = try RawHTTPSocket(port: port)
            partial.send("GET /heal")
            #expect(partial.closesWithoutAnswer(within: .seconds(5)), "a partial request line was not closed")
            #expect(ContinuousClock.now - started >= .milliseconds(800) && ContinuousClock.now - started < .seconds(4))

            // A head trickled a byte at a time still has to be complete within the timeout.
            started = ContinuousClock.now
            let trickle = try RawHTTPSocket(port: port)
            var cut = false
            for byte in "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".utf8 {
                if !trickle.send([byte]) {
                    cut = true
                    break
                }
                try await Task.sleep(for: .milliseconds(150))
                if ContinuousClock.now - started > .seconds(4) { break }
            }
            #expect(cut || trickle.closesWithoutAnswer(within: .seconds(2)), "a trickled head was not cut off")
            #expect(ContinuousClock.now - started < .seconds(4))

            // A head, then a body that never arrives: closed after the body timeout.
            started = ContinuousClock.now
            let body = try RawHTTPSocket(port: port)
            body.send(
                "POST /passwordless/start HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"client"
            )
            #expect(body.closesWithoutAnswer(within: .seconds(6)), "a missing body was not cut off")
            #expect(ContinuousClock.now - started >= .milliseconds(2800) && ContinuousClock.now - started < .seconds(5))

            // A body that is slow but within its timeout is served; the time it took does not
            // count against the dependency budget (DEPENDENCY_TIMEOUT 1 s + 1 s).
            let slowBody = try RawHTTPSocket(port: port)
            let unknownClient = Self.startBody("no-such-client", phone: "+14155550199")
            slowBody.send(
                "POST /passwordless/start HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(unknownClient.utf8.count)\r\n\r\n"
            )
            for part in [unknownClient.prefix(10), unknownClient.dropFirst(10).prefix(10), unknownClient.dropFirst(20)] {
                try await Task.sleep(for: .milliseconds(800))  // 2.4 s in all: past the budget, within the body timeout
                slowBody.send(String(part))
            }
            let slowAnswer = slowBody.readAnswer()
            #expect(
                slowAnswer?.status == 400 && slowAnswer?.json?["error"] as? String == "bad.client_id",
                "a slow body: \(slowAnswer?.text ?? "no answer")")

            // Keep-alive: a second request soon after the first is served; an idle one is closed.
            let keepAlive = try RawHTTPSocket(port: port)
            keepAlive.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(keepAlive.readAnswer()?.status == 200)
            try await Task.sleep(for: .milliseconds(800))
            keepAlive.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(keepAlive.readAnswer()?.status == 200, "a kept-alive connection was not served")
            started = ContinuousClock.now
            #expect(keepAlive.closesWithoutAnswer(within: .seconds(5)), "an idle keep-alive connection was not closed")
            #expect(ContinuousClock.now - started >= .milliseconds(1800) && ContinuousClock.now - started < .seconds(4))

            Self.expectAllRunning(stack)
            #expect(await HTTPProbe.status(stack.gatewayURL + "/readyz") == 200)
        }
    }

    // MARK: Finding 1: parallel first sign-ins

    /// Sends the same request on `count` connections at once (every connection is open and
    /// the requests are written back to back before any answer is read) and returns the statuses.
    static func simultaneously(_ count: Int, port: Int, _ request: String) throws -> [Int] {
        let sockets = try (0..<count).map { _ in try RawHTTPSocket(port: port) }
        for socket in sockets { socket.send(request) }
        return sockets.map { $0.readAnswer()?.status ?? -1 }
    }

    @Test func parallelFirstSignInsMakeOneUserAndAnswer200() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            let token = try await stack.create(["token", "create", "--tenant", "acme", "--scopes", "create:users"])["token"] as! String
            let port = Self.port(stack)
            for round in 0..<5 {
                let phone = "+1415555\(2000 + round)"
                let body = Self.startBody(tenant.clientID, phone: phone)
                let statuses = try Self.simultaneously(
                    20, port: port,
                    "POST /passwordless/start HTTP/1.1\r\nHost: \(tenant.domain)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                )
                #expect(statuses.allSatisfy { $0 == 200 }, "round \(round): \(statuses.sorted())")
                let rows = try await stack.query { client in
                    try await client.query("SELECT count(*)::int FROM users WHERE phone_number = \(phone)").collect().first?.decode(
                        Int.self)
                }
                #expect(rows == 1, "round \(round): \(rows ?? -1) user rows")
            }

            let body = #"{"connection":"sms","phone_number":"+14155552100"}"#
            let created = try Self.simultaneously(
                20, port: port,
                "POST /api/v2/users HTTP/1.1\r\nHost: \(tenant.domain)\r\nAuthorization: Bearer \(token)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            )
            #expect(created.filter { $0 == 201 }.count == 1 && created.filter { $0 == 409 }.count == 19, "\(created.sorted())")
            Self.expectAllRunning(stack)
        }
    }

    // MARK: Finding 2: stalled dependencies

    /// Sends `/passwordless/start` requests for a fresh number until `until`, returning each
    /// answer's status and how long it took.
    static func startRepeatedly(
        _ stack: PasswordlessStack, client: String, prefix: String, count: Int
    ) async -> [(status: Int, took: Duration)] {
        var results: [(Int, Duration)] = []
        for index in 0..<count {
            let started = ContinuousClock.now
            let reply = try? await HTTPProbe.send(
                "POST", stack.gatewayURL + "/passwordless/start", body: Data(startBody(client, phone: "\(prefix)\(index)").utf8),
                headers: ["Content-Type": "application/json"])
            results.append((reply?.status ?? -1, ContinuousClock.now - started))
            if let reply, reply.status == 503 {
                #expect(reply.json?["error"] as? String == "temporarily_unavailable")
                #expect(Int(reply.headers["retry-after"] ?? "") ?? 0 >= 1, "503 without Retry-After")
            }
        }
        return results
    }

    /// Waits until a new sign-in is answered 200 again, at most 20 s.
    static func expectRecovers(
        _ stack: PasswordlessStack, client: String, prefix: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        var attempt = 0
        let recovered = await TestEnvironment.eventually(within: .seconds(20), every: .milliseconds(250)) {
            attempt += 1
            let reply = try? await HTTPProbe.send(
                "POST", stack.gatewayURL + "/passwordless/start", body: Data(startBody(client, phone: "\(prefix)\(attempt % 10)").utf8),
                headers: ["Content-Type": "application/json"])
            if let status = reply?.status, status >= 500, status != 503 {
                Issue.record("a sign-in after the stall answered \(status)", sourceLocation: sourceLocation)
            }
            return reply?.status == 200
        }
        #expect(recovered, "the stack did not serve a sign-in within 20 s of the stall", sourceLocation: sourceLocation)
    }

    @Test func aPausedRedisAnswers503WithinTheDependencyTimeout() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            #expect(
                try await HTTPProbe.send(
                    "POST", stack.gatewayURL + "/passwordless/start",
                    body: Data(Self.startBody(tenant.clientID, phone: "+14155553000").utf8),
                    headers: ["Content-Type": "application/json"]
                ).status == 200)

            let control = RedisClient.running(configuration: try stack.redis.configuration())
            try await control.send(RedisCommand("CLIENT", "PAUSE", "10000", "ALL"))
            await control.shutdown()
            let paused = ContinuousClock.now
            let results = await Self.startRepeatedly(stack, client: tenant.clientID, prefix: "+141555531", count: 2)
            let readyStarted = ContinuousClock.now
            let ready = try? await HTTPProbe.get(stack.gatewayURL + "/readyz")
            let readyTook = ContinuousClock.now - readyStarted
            for (status, took) in results {
                #expect(status == 503, "a sign-in while Redis is paused: \(status)")
                #expect(took < .seconds(4), "a sign-in while Redis is paused took \(took)")
            }
            #expect(ready?.status == 503, "/readyz while Redis is paused: \(ready?.status ?? -1)")
            #expect(readyTook < .seconds(3), "/readyz took \(readyTook)")
            #expect(ContinuousClock.now - paused < .seconds(10), "the checks ran after the pause ended")

            await Self.expectRecovers(stack, client: tenant.clientID, prefix: "+141555532")
            #expect(await HTTPProbe.status(stack.gatewayURL + "/readyz") == 200)
            Self.expectAllRunning(stack)
        }
    }

    @Test func aLockedUsersTableAnswers503WithinTheDependencyTimeout() async throws {
        try await PasswordlessStack.with { stack in
            let tenant = try await stack.makeTenant()
            #expect(
                try await HTTPProbe.send(
                    "POST", stack.gatewayURL + "/passwordless/start",
                    body: Data(Self.startBody(tenant.clientID, phone: "+14155554000").utf8),
                    headers: ["Content-Type": "application/json"]
                ).status == 200)

            try await stack.query { client in
                try await client.withConnection { connection in
                    let logger = Logger(label: "hostile-input-test")
                    try await connection.query("BEGIN", logger: logger)
                    try await connection.query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE", logger: logger)
                    let results = await Self.startRepeatedly(stack, client: tenant.clientID, prefix: "+141555541", count: 2)
                    for (status, took) in results {
                        #expect(status == 503, "a new sign-in while users is locked: \(status)")
                        #expect(took < .seconds(4), "a new sign-in while users is locked took \(took)")
                    }
                    try await connection.query("COMMIT", logger: logger)
                }
            }
            await Self.expectRecovers(stack, client: tenant.clientID, prefix: "+141555542")
            Self.expectAllRunning(stack)
        }
    }

    // MARK: Finding 5: the admin CLI's errors

    @Test func adminNamesDuplicatesAndAnUnreachableDatabaseInOneLine() async throws {
        try await PasswordlessStack.with { stack in
            _ = try await stack.makeTenant()
            let cases: [([String], String)] = [
                (["tenant", "create", "--name", "acme", "--domain", "other.example.com"], "a tenant named acme already exists"),
                (
                    ["tenant", "create", "--name", "acme2", "--domain", "acme.example.com"],
                    "a tenant with the domain acme.example.com already exists"
                ),
                (
                    [
                        "connection", "create", "--tenant", "acme", "--strategy", "email", "--provider", "outbox", "--name", "email",
                        "--outbox-file", "/tmp/hostile-outbox.jsonl",
                    ],
                    "connection named email"
                ),
            ]
            for (arguments, message) in cases {
                let result = try await stack.admin(arguments, json: false)
                let lines = result.output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                #expect(result.status != 0 && result.status != nil, "\(arguments.joined(separator: " ")): exit \(result.status ?? -1)")
                #expect(result.output.contains(message) && lines.count == 1, "\(arguments.joined(separator: " ")): \(result.output)")
                #expect(!result.output.contains("PSQLError"))
            }

            var environment = stack.environment
            environment["DATABASE_URL"] = "postgres://nobody:secret@127.0.0.1:\(try TestEnvironment.freePort())/nothing"
            let started = ContinuousClock.now
            let process = try ManagedProcess.service("passwordless-admin", arguments: ["tenant", "list"], environment: environment)
            let status = await process.waitForExit(within: .seconds(15))
            #expect(ContinuousClock.now - started < .seconds(10), "an unreachable database took \(ContinuousClock.now - started) to report")
            #expect(status != nil && status != 0)
            #expect(process.output.contains("cannot reach the database") && !process.output.contains("secret"), "\(process.output)")
        }
    }
}
