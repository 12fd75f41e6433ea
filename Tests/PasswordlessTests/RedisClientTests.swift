import Logging
import RedisClient
import Testing

@Suite("Redis client")
struct RedisClientTests {
    /// A client on the shared test Redis, and a key prefix no other test uses.
    func withSharedRedis(_ body: (RedisClient, String) async throws -> Void) async throws {
        var configuration = try RedisConfiguration(url: try TestEnvironment.redisURL())
        configuration.poolSize = 4
        let client = RedisClient.running(configuration: configuration, logger: .quiet)
        let prefix = "{\(TestEnvironment.uniqueName("test"))}:"
        do {
            try await body(client, prefix)
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    @Test func commandsAreBinarySafe() async throws {
        try await withSharedRedis { redis, prefix in
            let value: [UInt8] = [0, 1, 2, 255, 13, 10, 0]
            try await redis.send(RedisCommand("SET", prefix + "bin", value, "PX", 10_000))
            #expect(try await redis.send("GET", prefix + "bin") == .bulkString(value))
            #expect(try await redis.send("GET", prefix + "absent") == .null)
            #expect(try await redis.send("INCRBY", prefix + "n", 41).int == 41)
            #expect(try await redis.send("INCR", prefix + "n") == .integer(42))
            let ttl = try await redis.send("PTTL", prefix + "bin").int ?? -1
            #expect((1...10_000).contains(ttl))
            try await redis.send("RPUSH", prefix + "list", "a", "", "c")
            #expect(
                try await redis.send("LRANGE", prefix + "list", 0, -1)
                    == .array([.bulkString(Array("a".utf8)), .bulkString([]), .bulkString(Array("c".utf8))]))
        }
    }

    @Test func errorRepliesAreTypedErrors() async throws {
        try await withSharedRedis { redis, prefix in
            try await redis.send("SET", prefix + "s", "text")
            await #expect {
                try await redis.send("LPUSH", prefix + "s", "x")
            } throws: { error in
                guard case .server(let message) = error as? RedisError else { return false }
                return message.hasPrefix("WRONGTYPE")
            }
            // The connection stays usable after an error reply.
            #expect(try await redis.send("GET", prefix + "s").string == "text")
        }
    }

    @Test func pipelinesAnswerInOrderWithErrorsInPlace() async throws {
        try await withSharedRedis { redis, prefix in
            let replies = try await redis.pipeline([
                RedisCommand("SET", prefix + "a", "1"),
                RedisCommand("INCR", prefix + "a"),
                RedisCommand("LPUSH", prefix + "a", "x"),
                RedisCommand("GET", prefix + "a"),
            ])
            #expect(replies.count == 4)
            #expect(replies[0] == .simpleString("OK"))
            #expect(replies[1] == .integer(2))
            guard case .error(let message) = replies[2] else {
                Issue.record("expected an error reply, got \(replies[2])")
                return
            }
            #expect(message.hasPrefix("WRONGTYPE"))
            #expect(replies[3].string == "2")
        }
    }

    @Test func scriptsRunByDigestAndReloadAfterAFlush() async throws {
        try await withSharedRedis { redis, prefix in
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            try await redis.send("SCRIPT", "FLUSH")
            #expect(try await redis.eval(script, keys: [prefix + "c"], arguments: [5]) == .integer(5))
            #expect(try await redis.send("SCRIPT", "EXISTS", script.sha1) == .array([.integer(1)]))
            try await redis.send("SCRIPT", "FLUSH")
            // Inside a pipeline too: NOSCRIPT falls back to EVAL for just that command.
            let replies = try await redis.pipeline([
                .evalsha(script, keys: [prefix + "c"], arguments: [1]),
                RedisCommand("GET", prefix + "c"),
            ])
            #expect(replies[0] == .integer(6))
            #expect(replies[1].string == "5")  // the GET ran before the re-sent script
            #expect(try await redis.send("GET", prefix + "c").string == "6")
        }
    }

    @Test func blockingPopTimesOutAndReceives() async throws {
        try await withSharedRedis { redis, prefix in
            let blocking = redis.makeBlockingConnection()
            let started = ContinuousClock.now
            let empty = try await blocking.send(
                RedisCommand("BLMOVE", prefix + "pending", prefix + "work", "RIGHT", "LEFT", 1), blockFor: .seconds(1))
            let waited = ContinuousClock.now - started
            #expect(empty == .null)
            #expect(waited >= .milliseconds(900) && waited < .seconds(4), "waited \(waited)")

            async let moved = blocking.send(
                RedisCommand("BLMOVE", prefix + "pending", prefix + "work", "RIGHT", "LEFT", 5), blockFor: .seconds(5))
            try await Task.sleep(for: .milliseconds(200))
            try await redis.send("LPUSH", prefix + "pending", "job-1")
            #expect(try await moved.string == "job-1")
            #expect(try await redis.send("LRANGE", prefix + "work", 0, -1) == .array([.bulkString(Array("job-1".utf8))]))
            await blocking.close()
        }
    }

    @Test func poolServesManyConcurrentCallers() async throws {
        try await withSharedRedis { redis, prefix in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<200 { group.addTask { try await redis.send("INCR", prefix + "hits") } }
                try await group.waitForAll()
            }
            #expect(try await redis.send("GET", prefix + "hits").string == "200")
        }
    }

    @Test func recoversAfterTheServerRestarts() async throws {
        let server = try RedisServerProcess()
        try await server.start()
        var configuration = try RedisConfiguration(url: server.url)
        configuration.poolSize = 2
        configuration.connectTimeout = .milliseconds(500)
        let redis = RedisClient.running(configuration: configuration, logger: .quiet)
        let blocking = redis.makeBlockingConnection()

        try await redis.send("SET", "before", "1")
        #expect(try await blocking.send(RedisCommand("BRPOP", "nothing", 1), blockFor: .seconds(1)) == .null)

        await server.stop()
        await #expect {
            try await redis.send("GET", "before")
        } throws: { error in
            (error as? RedisError)?.isConnectionError == true
        }

        try await server.start()
        // Idle connections to the old server are noticed before use: the first command succeeds.
        #expect(try await redis.send("GET", "before") == .null)  // the restarted server kept no data
        try await redis.send("SET", "after", "2")
        #expect(try await redis.send("GET", "after").string == "2")
        #expect(try await blocking.send(RedisCommand("BRPOP", "nothing", 1), blockFor: .seconds(1)) == .null)

        // A client in continuous use across a restart: every call either succeeds or fails with a
        // connection error, and calls succeed again once the server is back.
        let worker = Task {
            var outcomes: (ok: Int, failed: Int) = (0, 0)
            for _ in 0..<300 {
                do {
                    try await redis.send("INCR", "counter")
                    outcomes.ok += 1
                } catch let error as RedisError where error.isConnectionError {
                    outcomes.failed += 1
                }
                try await Task.sleep(for: .milliseconds(5))
            }
            return outcomes
        }
        try await Task.sleep(for: .milliseconds(300))
        await server.stop()
        try await Task.sleep(for: .milliseconds(300))
        try await server.start()
        let outcomes = try await worker.value
        #expect(outcomes.failed > 0)
        #expect(outcomes.ok + outcomes.failed == 300)
        #expect(try await redis.send("INCR", "counter").int ?? 0 >= 1)

        await blocking.close()
        await redis.shutdown()
        await server.stop()
    }

    @Test func refusedConnectionsAndAuthFailuresAreTyped() async throws {
        let port = try TestEnvironment.freePort()
        let nobody = RedisClient.running(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(port)"), logger: .quiet)
        await #expect {
            try await nobody.ping()
        } throws: { error in
            if case .connectionFailed = error as? RedisError { return true }
            return false
        }
        await nobody.shutdown()

        let server = try RedisServerProcess(extraArguments: ["--requirepass", "letmein"])
        try await server.start()
        let wrong = RedisClient.running(configuration: try RedisConfiguration(url: "redis://:nope@127.0.0.1:\(server.port)/3"))
        await #expect {
            try await wrong.ping()
        } throws: { error in
            guard case .connectionFailed(let message) = error as? RedisError else { return false }
            return !message.contains("nope")
        }
        await wrong.shutdown()

        let right = RedisClient.running(configuration: try RedisConfiguration(url: "redis://:letmein@127.0.0.1:\(server.port)/3"))
        try await right.ping()
        try await right.send("SET", "k", "v")
        #expect(try await right.send("CLIENT", "INFO").string?.contains("db=3") == true)
        await right.shutdown()
        await server.stop()
    }

    @Test func shutDownClientsRefuseWork() async throws {
        let redis = RedisClient.running(configuration: try RedisConfiguration(url: try TestEnvironment.redisURL()), logger: .quiet)
        try await redis.ping()
        await redis.shutdown()
        await #expect(throws: RedisError.clientClosed) { try await redis.ping() }
    }

    /// Nothing starts before `run()`: calls made earlier wait for it, and fail clearly (never
    /// hang) when it does not come within the command timeout.
    @Test func callsBeforeRunWaitForItOrFailClearly() async throws {
        var configuration = try RedisConfiguration(url: try TestEnvironment.redisURL())
        configuration.commandTimeout = .milliseconds(300)
        let idle = RedisClient(configuration: configuration, logger: .quiet)
        #expect(idle.description == "RedisClient(\(configuration.host):\(configuration.port), pool 2)")
        let started = ContinuousClock.now
        await #expect(throws: RedisError.notRunning) { try await idle.ping() }
        #expect(ContinuousClock.now - started < .seconds(2))
        await idle.shutdown()
        await #expect(throws: RedisError.clientClosed) { try await idle.ping() }
        try await idle.run()  // returns at once: a shut-down client never starts

        let late = RedisClient(configuration: try RedisConfiguration(url: try TestEnvironment.redisURL()), logger: .quiet)
        async let answered: Void = late.ping()
        try await Task.sleep(for: .milliseconds(200))
        let running = Task { try await late.run() }
        try await answered
        await late.shutdown()
        try await running.value  // run() ends with shutdown()
    }
}
