import Foundation
import Logging
import RedisClient
import Testing

/// The client against a real Redis Cluster (three masters, three replicas) started by the test
/// script: routing by slot, pipelines split across nodes and put back in order, redirects while
/// a slot migrates, scripts, and `WAIT`.
@Suite("Redis client on a cluster", .serialized)
struct RedisClusterClientTests {
    func withCluster(minimumReplicas: Int = 0, _ body: (RedisClient, String) async throws -> Void) async throws {
        var configuration = try RedisConfiguration(url: try TestEnvironment.redisClusterURL())
        configuration.minimumReplicas = minimumReplicas
        configuration.waitTimeout = .milliseconds(300)
        let client = RedisClient.running(configuration: configuration)
        do {
            try await body(client, TestEnvironment.uniqueName("cl"))
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
    }

    /// A client on one node only, for the operator commands a test needs there.
    static func node(_ endpoint: RedisEndpoint) -> RedisClient {
        RedisClient.running(configuration: RedisConfiguration(seeds: [endpoint], mode: .standalone))
    }

    @Test func aPipelineAcrossEveryMasterAnswersInOrder() async throws {
        try await withCluster { redis, prefix in
            #expect(try await redis.isCluster)
            let keys = (0..<120).map { "\(prefix):key:\($0)" }
            // The keys land on all three masters.
            let masters = try await ClusterNodes.masters(of: redis)
            #expect(masters.count == 3)
            #expect(Set(keys.map { ClusterNodes.owner(ofSlot: RedisHashSlot.of($0), in: masters).id }).count == 3)

            var commands = keys.enumerated().map { RedisCommand("SET", $0.element, "v\($0.offset)", "PX", 60_000) }
            commands += keys.map { RedisCommand("GET", $0) }
            commands.append(RedisCommand("LPUSH", keys[0], "wrong type"))
            let replies = try await redis.pipeline(commands)
            #expect(replies.count == commands.count)
            #expect(replies[..<keys.count].allSatisfy { $0 == .simpleString("OK") })
            for (index, reply) in replies[keys.count..<(2 * keys.count)].enumerated() {
                #expect(reply.string == "v\(index)")
            }
            #expect(replies.last?.errorMessage?.hasPrefix("WRONGTYPE") == true)
        }
    }

    @Test func scriptsRunOnTheirSlotsMasterAndReloadAfterAFlush() async throws {
        try await withCluster { redis, prefix in
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1]) + redis.call('INCRBY', KEYS[2], ARGV[1])")
            for master in try await ClusterNodes.masters(of: redis) {
                let node = Self.node(master.endpoint)
                try await node.send("SCRIPT", "FLUSH")
                await node.shutdown()
            }
            let tagged = (0..<12).map { ("{\(prefix):\($0)}:a", "{\(prefix):\($0)}:b") }
            let replies = try await redis.pipeline(tagged.map { .evalsha(script, keys: [$0.0, $0.1], arguments: [2]) })
            #expect(replies.allSatisfy { $0 == .integer(4) }, "\(replies)")
            // Keys of one script in two slots are refused by Redis, not silently split.
            let crossing = try await redis.pipeline([.evalsha(script, keys: ["\(prefix):x", "\(prefix):y:1"], arguments: [1])])
            #expect(crossing[0].errorMessage?.hasPrefix("CROSSSLOT") == true, "\(crossing[0])")
        }
    }

    @Test func followsMovedAndAskWhileASlotMigrates() async throws {
        try await withCluster { redis, prefix in
            let key = "{\(prefix)}:moving"
            let absent = "{\(prefix)}:absent"
            let slot = RedisHashSlot.of(key)
            try await redis.send("SET", key, "before")
            let masters = try await ClusterNodes.masters(of: redis)
            let source = ClusterNodes.owner(ofSlot: slot, in: masters)
            let target = masters.first { $0.id != source.id }!
            let sourceNode = Self.node(source.endpoint)
            let targetNode = Self.node(target.endpoint)
            defer {
                Task {
                    await sourceNode.shutdown()
                    await targetNode.shutdown()
                }
            }

            // Migrating: the key still on the source is served there; a key the source does not
            // have is answered with ASK, which the client follows with ASKING on the target.
            try await targetNode.send("CLUSTER", "SETSLOT", slot, "IMPORTING", source.id)
            try await sourceNode.send("CLUSTER", "SETSLOT", slot, "MIGRATING", target.id)
            #expect(try await redis.send("GET", key).string == "before")
            try await redis.send("SET", absent, "asked")
            #expect(try await targetNode.send("ASKING") == .simpleString("OK"))

            // Moved: the key goes over and the slot is handed to the target; the client's map is
            // now wrong, and MOVED puts it right.
            try await sourceNode.send("MIGRATE", target.endpoint.host, target.endpoint.port, key, 0, 5000)
            for node in [targetNode, sourceNode] { try await node.send("CLUSTER", "SETSLOT", slot, "NODE", target.id) }
            #expect(try await redis.send("GET", key).string == "before")
            #expect(try await redis.send("GET", absent).string == "asked")
            let replies = try await redis.pipeline([RedisCommand("SET", key, "after"), RedisCommand("GET", key)])
            #expect(replies == [.simpleString("OK"), .bulkString(Array("after".utf8))])

            // Back where it was, for the other tests.
            try await sourceNode.send("CLUSTER", "SETSLOT", slot, "IMPORTING", target.id)
            try await targetNode.send("CLUSTER", "SETSLOT", slot, "MIGRATING", source.id)
            try await targetNode.send("MIGRATE", source.endpoint.host, source.endpoint.port, "", 0, 5000, "KEYS", key, absent)
            for node in [sourceNode, targetNode] { try await node.send("CLUSTER", "SETSLOT", slot, "NODE", source.id) }
            #expect(try await redis.send("GET", key).string == "after")
        }
    }

    @Test func blockingCommandsGoToTheirKeysMaster() async throws {
        try await withCluster { redis, prefix in
            let blocking = redis.makeBlockingConnection()
            async let moved = blocking.send(
                RedisCommand("BLMOVE", "{\(prefix)}:pending", "{\(prefix)}:work", "RIGHT", "LEFT", 5), blockFor: .seconds(5))
            try await Task.sleep(for: .milliseconds(200))
            try await redis.send("LPUSH", "{\(prefix)}:pending", "job")
            #expect(try await moved.string == "job")
            await blocking.close()
        }
    }

    @Test func durableWritesWaitForTheReplicas() async throws {
        try await withCluster(minimumReplicas: 1) { redis, prefix in
            let keys = (0..<30).map { "\(prefix):durable:\($0)" }
            let replies = try await redis.pipeline(keys.map { RedisCommand("SET", $0, "1") }, durable: true)
            #expect(replies.allSatisfy { $0 == .simpleString("OK") })
        }
        // Each master has one replica: asking for two cannot be met, and says so.
        try await withCluster(minimumReplicas: 2) { redis, prefix in
            let started = ContinuousClock.now
            await #expect(throws: RedisError.notReplicated(acknowledged: 1, required: 2)) {
                try await redis.pipeline([RedisCommand("SET", "\(prefix):two", "1")], durable: true)
            }
            #expect(ContinuousClock.now - started >= .milliseconds(250))
            // Writes that are not durable are not held up.
            let plain = try await redis.send("SET", "\(prefix):plain", "1")
            #expect(plain == .simpleString("OK"))
        }
    }
}

/// The cluster's masters, as `CLUSTER SHARDS`... read through `CLUSTER NODES`.
enum ClusterNodes {
    struct Master: Sendable, Equatable {
        var id: String
        var endpoint: RedisEndpoint
        var slots: [ClosedRange<Int>]
    }

    static func masters(of redis: RedisClient) async throws -> [Master] {
        let text = try await redis.send("CLUSTER", "NODES").string ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 8, fields[2].contains("master"), !fields[2].contains("fail") else { return nil }
            let address = fields[1].split(separator: "@")[0]
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
            let slots = fields.dropFirst(8).compactMap { range -> ClosedRange<Int>? in
                guard !range.hasPrefix("[") else { return nil }
                let bounds = range.split(separator: "-").compactMap { Int($0) }
                return bounds.isEmpty ? nil : bounds[0]...(bounds.count > 1 ? bounds[1] : bounds[0])
            }
            return Master(id: String(fields[0]), endpoint: RedisEndpoint(host: String(address[..<colon]), port: port), slots: slots)
        }
    }

    static func owner(ofSlot slot: Int, in masters: [Master]) -> Master {
        masters.first { $0.slots.contains { $0.contains(slot) } }!
    }
}

/// The client against a TLS-only Redis whose certificates the test script made.
@Suite("Redis client over TLS")
struct RedisTLSClientTests {
    static func configuration(ca: String) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: try TestEnvironment.redisTLSURL())
        configuration.tls = RedisTLSFiles(caFile: ca)
        configuration.connectTimeout = .seconds(2)
        return configuration
    }

    @Test func commandsRunOverTLS() async throws {
        let redis = RedisClient.running(configuration: try Self.configuration(ca: try TestEnvironment.redisTLSCAFile()))
        try await redis.ping()
        let key = TestEnvironment.uniqueName("tls")
        let replies = try await redis.pipeline([RedisCommand("SET", key, "over tls", "PX", 10_000), RedisCommand("GET", key)])
        #expect(replies == [.simpleString("OK"), .bulkString(Array("over tls".utf8))])
        await redis.shutdown()
    }

    @Test func aClientCertificateIsPresentedWhenConfigured() async throws {
        var configuration = try Self.configuration(ca: try TestEnvironment.redisTLSCAFile())
        configuration.tls?.certificateFile = try TestEnvironment.require("PASSWORDLESS_TEST_REDIS_TLS_CERT_FILE")
        configuration.tls?.keyFile = try TestEnvironment.require("PASSWORDLESS_TEST_REDIS_TLS_KEY_FILE")
        let redis = RedisClient.running(configuration: configuration)
        try await redis.ping()
        await redis.shutdown()
    }

    @Test func aServerCertificateFromAnotherCAIsRefusedWithTheReason() async throws {
        let logs = LogCapture()
        let configuration = try Self.configuration(ca: try TestEnvironment.require("PASSWORDLESS_TEST_REDIS_WRONG_CA_FILE"))
        let redis = RedisClient.running(configuration: configuration, logger: logs.logger)
        await #expect {
            try await redis.ping()
        } throws: { error in
            guard case .connectionFailed(let message) = error as? RedisError else { return false }
            return message.contains("CERTIFICATE_VERIFY_FAILED") || message.lowercased().contains("certificate")
        }
        await redis.shutdown()
        let lines = logs.lines.filter { $0.contains("redis connection failed") }
        #expect(lines.count == 1, "\(logs.lines)")
        #expect(lines.first?.lowercased().contains("certificate") == true)
    }

    @Test func plainTextToATLSPortFailsClearly() async throws {
        var configuration = try RedisConfiguration(
            url: try TestEnvironment.redisTLSURL().replacingOccurrences(of: "rediss://", with: "redis://"))
        configuration.commandTimeout = .seconds(1)
        let redis = RedisClient.running(configuration: configuration)
        await #expect {
            try await redis.ping()
        } throws: { error in
            (error as? RedisError)?.isConnectionError == true
        }
        await redis.shutdown()
    }
}

/// The client on a single node: a connection that drops in the middle of a pipeline.
@Suite("Redis client connection failures")
struct RedisConnectionFailureTests {
    @Test func aConnectionDroppedMidPipelineFailsThatPipelineAndRecovers() async throws {
        let redis = RedisClient.running(configuration: try RedisConfiguration(url: try TestEnvironment.redisURL()))
        let key = TestEnvironment.uniqueName("drop")
        // The server answers QUIT and closes the connection: the GET after it gets no reply.
        await #expect {
            try await redis.pipeline([RedisCommand("SET", key, "1", "PX", 10_000), RedisCommand("QUIT"), RedisCommand("GET", key)])
        } throws: { error in
            guard case .connectionLost = error as? RedisError else { return false }
            return true
        }
        #expect(try await redis.send("GET", key).string == "1")
        await redis.shutdown()
    }

    @Test func aStalledServerTimesOutAndTheConnectionIsReplaced() async throws {
        var configuration = try RedisConfiguration(url: try TestEnvironment.redisURL())
        configuration.commandTimeout = .milliseconds(300)
        configuration.poolSize = 1
        let redis = RedisClient.running(configuration: configuration)
        try await redis.ping()
        let started = ContinuousClock.now
        // A blocking command on a shared connection stalls it like a hung server would.
        await #expect(throws: RedisError.timeout) { try await redis.send("BLPOP", TestEnvironment.uniqueName("none"), "0.8") }
        #expect(ContinuousClock.now - started < .milliseconds(700))
        try await Task.sleep(for: .milliseconds(600))
        try await redis.ping()
        await redis.shutdown()
    }

    @Test func durableWritesOnAServerWithoutReplicasAreRefused() async throws {
        var configuration = try RedisConfiguration(url: try TestEnvironment.redisURL())
        configuration.minimumReplicas = 1
        configuration.waitTimeout = .milliseconds(100)
        let redis = RedisClient.running(configuration: configuration)
        await #expect(throws: RedisError.notReplicated(acknowledged: 0, required: 1)) {
            try await redis.pipeline([RedisCommand("SET", TestEnvironment.uniqueName("w"), "1", "PX", 1000)], durable: true)
        }
        await redis.shutdown()
    }
}
