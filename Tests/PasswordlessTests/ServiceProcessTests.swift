import Foundation
import PasswordlessCore
import PasswordlessStorage
import Testing

/// The real executables, started as an operator would start them, against a real PostgreSQL
/// and a Redis of the test's own that it stops and restarts.
@Suite("Service processes")
struct ServiceProcessTests {
    static let services: [(name: String, kind: String)] = [
        ("passwordless-gateway", "gateway"), ("passwordless-token", "token"), ("passwordless-dispatcher", "dispatcher"),
    ]

    func environment(database: DatabaseSettings, redisURL: String, port: Int, extra: [String: String] = [:]) -> [String: String] {
        var environment = [
            "DATABASE_URL":
                "postgres://\(database.username):\(database.password ?? "")@\(database.host):\(database.port)/\(database.database)",
            "REDIS_URL": redisURL,
            "PASSWORDLESS_MASTER_KEY": MasterKey.generateBase64(),
            "PORT": String(port),
            "METRICS_PORT": String((try? TestEnvironment.freePort()) ?? 0),
            "HOST": "127.0.0.1",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        environment.merge(extra) { _, new in new }
        return environment
    }

    func migrate(_ database: TemporaryDatabase) async throws {
        _ = try await database.withClient { client in try await Migrator(client: client, logger: .quiet).migrate() }
    }

    @Test func readinessFollowsRedisWithoutARestart() async throws {
        try await TemporaryDatabase.with { database in
            try await migrate(database)
            let redis = try RedisServerProcess()
            try await redis.start()
            var running: [(ManagedProcess, String)] = []
            var metricsBases: [String] = []
            for service in Self.services {
                let port = try TestEnvironment.freePort()
                // The gateway and the token service serve /metrics on a port of its own, never on
                // the public one; the dispatcher's only port is not public.
                let metricsPort = service.kind == "dispatcher" ? port : try TestEnvironment.freePort()
                let process = try ManagedProcess.service(
                    service.name,
                    environment: environment(
                        database: database.settings, redisURL: redis.url, port: port, extra: ["METRICS_PORT": String(metricsPort)]))
                running.append((process, "http://127.0.0.1:\(port)"))
                metricsBases.append("http://127.0.0.1:\(metricsPort)")
            }
            for ((process, base), metricsBase) in zip(running, metricsBases) {
                let ready = await TestEnvironment.eventually(within: .seconds(20)) { await HTTPProbe.status(base + "/readyz") == 200 }
                #expect(ready, "\(process.name) never became ready:\n\(process.output)")
                let health = try await HTTPProbe.get(base + "/healthz")
                #expect(health.status == 200 && health.json?["status"] as? String == "ok")
                let metrics = try await HTTPProbe.get(metricsBase + "/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
                if metricsBase != base {
                    #expect(try await HTTPProbe.get(base + "/metrics").status == 404, "\(process.name) serves /metrics on its public port")
                }
            }

            await redis.stop()
            for (process, base) in running {
                let unready = await TestEnvironment.eventually(within: .seconds(5)) { await HTTPProbe.status(base + "/readyz") == 503 }
                #expect(unready, "\(process.name) still ready with Redis down")
                let reply = try await HTTPProbe.get(base + "/readyz")
                #expect(reply.json?["status"] as? String == "unavailable")
                #expect((reply.json?["reason"] as? String)?.hasPrefix("redis:") == true, "\(String(describing: reply.json))")
            }

            try await redis.start()
            for (process, base) in running {
                let ready = await TestEnvironment.eventually(within: .seconds(5)) { await HTTPProbe.status(base + "/readyz") == 200 }
                #expect(ready, "\(process.name) did not recover after Redis came back:\n\(process.output)")
                #expect(process.isRunning)
            }

            for (process, _) in running {
                process.signal(SIGTERM)
                let status = await process.waitForExit(within: .seconds(10))
                #expect(status == 0, "\(process.name) did not stop cleanly on SIGTERM:\n\(process.output)")
            }
            await redis.stop()
        }
    }

    /// A Redis whose certificate does not verify keeps a service unready, and its log says why
    /// once, not at every readiness probe; with the right CA the same service is ready.
    @Test func aRedisCertificateThatDoesNotVerifyKeepsTheServiceUnreadyAndSaysWhyOnce() async throws {
        try await TemporaryDatabase.with { database in
            try await migrate(database)
            for (ca, expectReady) in [(try TestEnvironment.redisWrongCAFile(), false), (try TestEnvironment.redisTLSCAFile(), true)] {
                let port = try TestEnvironment.freePort()
                let process = try ManagedProcess.service(
                    "passwordless-gateway",
                    environment: environment(
                        database: database.settings, redisURL: try TestEnvironment.redisTLSURL(), port: port,
                        extra: ["REDIS_TLS_CA_FILE": ca]))
                let base = "http://127.0.0.1:\(port)"
                if expectReady {
                    let ready = await TestEnvironment.eventually(within: .seconds(20)) { await HTTPProbe.status(base + "/readyz") == 200 }
                    #expect(ready, "not ready with the right CA:\n\(process.output)")
                } else {
                    let answering = await TestEnvironment.eventually(within: .seconds(20)) {
                        await HTTPProbe.status(base + "/healthz") == 200
                    }
                    #expect(answering, "\(process.output)")
                    for _ in 0..<5 {
                        let reply = try await HTTPProbe.get(base + "/readyz")
                        #expect(reply.status == 503)
                        #expect((reply.json?["reason"] as? String)?.hasPrefix("redis:") == true, "\(String(describing: reply.json))")
                    }
                    let lines = process.output.split(separator: "\n").filter { $0.contains("redis connection failed") }
                    #expect(lines.count == 1, "\(process.output)")
                    #expect(lines.first?.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(lines)")
                }
                process.signal(SIGTERM)
                _ = await process.waitForExit(within: .seconds(10))
            }
        }
    }

    @Test func refusesAnUnmigratedDatabase() async throws {
        try await TemporaryDatabase.with { database in
            let redisURL = try TestEnvironment.redisURL()
            for service in Self.services {
                let process = try ManagedProcess.service(
                    service.name,
                    environment: environment(database: database.settings, redisURL: redisURL, port: try TestEnvironment.freePort()))
                let status = await process.waitForExit(within: .seconds(20))
                #expect(status == 1, "\(service.name) kept running against an unmigrated database")
                #expect(process.output.contains("\(service.name): the database is not migrated"), "\(process.output)")
                #expect(process.output.contains("run `passwordless-admin migrate`"))
            }
        }
    }

    @Test func badSettingsStopTheProcessWithOneLineNamingThem() async throws {
        let database = try DatabaseSettings(url: try TestEnvironment.databaseURL())
        let good = environment(database: database, redisURL: try TestEnvironment.redisURL(), port: try TestEnvironment.freePort())
        let cases: [(String, String?, String)] = [
            ("DATABASE_URL", "postgres://nohost", "DATABASE_URL:"),
            ("REDIS_URL", nil, "REDIS_URL: is required"),
            ("PASSWORDLESS_MASTER_KEY", "dG9vLXNob3J0", "PASSWORDLESS_MASTER_KEY: must be 32 random bytes"),
            ("PORT", "http", "PORT: must be a whole number"),
        ]
        for service in Self.services {
            for (name, value, expected) in cases {
                var environment = good
                environment[name] = value
                let process = try ManagedProcess.service(service.name, environment: environment)
                let status = await process.waitForExit(within: .seconds(10))
                let lines = process.output.split(separator: "\n")
                #expect(status == 2, "\(service.name) with bad \(name)")
                #expect(lines.count == 1 && lines[0].hasPrefix("\(service.name): \(expected)"), "\(process.output)")
                if let value { #expect(!process.output.contains(value) || name != "PASSWORDLESS_MASTER_KEY") }
            }
        }
    }

    @Test func jsonLogsCarryTheRequestID() async throws {
        try await TemporaryDatabase.with { database in
            try await migrate(database)
            let port = try TestEnvironment.freePort()
            let process = try ManagedProcess.service(
                "passwordless-gateway",
                environment: environment(
                    database: database.settings, redisURL: try TestEnvironment.redisURL(), port: port,
                    extra: ["LOG_FORMAT": "json", "LOG_LEVEL": "debug"]))
            let base = "http://127.0.0.1:\(port)"
            let ready = await TestEnvironment.eventually(within: .seconds(20)) { await HTTPProbe.status(base + "/healthz") == 200 }
            #expect(ready)
            let reply = try await HTTPProbe.get(base + "/no/such/route?otp=123456", headers: ["X-Request-Id": "trace-42"])
            #expect(reply.status == 404)
            #expect(reply.headers["x-request-id"] == "trace-42")
            #expect(reply.json?["error"] as? String == "not_found")
            let logged = await TestEnvironment.eventually(within: .seconds(5)) { process.output.contains("trace-42") }
            #expect(logged)
            process.signal(SIGTERM)
            _ = await process.waitForExit(within: .seconds(10))

            let lines = process.output.split(separator: "\n").filter { !$0.isEmpty }
            #expect(!lines.isEmpty)
            var sawRequest = false
            for line in lines {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object != nil, "not a JSON log line: \(line)")
                if object?["request_id"] as? String == "trace-42" {
                    sawRequest = true
                    #expect(object?["path"] as? String == "/no/such/route")
                    #expect(object?["status"] as? String == "404")
                }
            }
            #expect(sawRequest)
            #expect(!process.output.contains("123456"), "the query string reached the log")
        }
    }

    @Test func adminMigrateAppliesOnceThenReportsNothingToDo() async throws {
        try await TemporaryDatabase.with { database in
            let environment = environment(database: database.settings, redisURL: try TestEnvironment.redisURL(), port: 1)
            let first = try ManagedProcess.service("passwordless-admin", arguments: ["migrate"], environment: environment)
            #expect(await first.waitForExit(within: .seconds(20)) == 0)
            #expect(first.output.contains("applied 1: initial schema"), "\(first.output)")
            let check = try ManagedProcess.service("passwordless-admin", arguments: ["migrate", "--check"], environment: environment)
            #expect(await check.waitForExit(within: .seconds(20)) == 0)
            let second = try ManagedProcess.service("passwordless-admin", arguments: ["migrate"], environment: environment)
            #expect(await second.waitForExit(within: .seconds(20)) == 0)
            #expect(second.output.contains("nothing to apply"), "\(second.output)")
        }
    }
}
