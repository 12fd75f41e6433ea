import Foundation
import Testing

/// The Redis servers `deploy/local/test.sh` starts for the tests — the cluster and the TLS node —
/// and the helpers tests drive them with. None of this goes through the product's Redis client.
@Suite("Redis test infrastructure", .serialized)
struct RedisInfrastructureTests {
    @Test func theClusterHasThreeMastersWithAReplicaEachAndServesEverySlot() async throws {
        let cluster = try RedisClusterControl.shared()
        try await cluster.restore()
        #expect(Set(cluster.ports).count == 6)
        for port in cluster.ports { #expect(cluster.url.contains("127.0.0.1:\(port)"), "\(cluster.url) lacks \(port)") }

        let nodes = try cluster.nodes()
        let masters = nodes.filter(\.isMaster)
        let replicas = nodes.filter(\.isReplica)
        #expect(nodes.count == 6)
        #expect(masters.count == 3, "\(nodes)")
        #expect(replicas.count == 3, "\(nodes)")
        for master in masters {
            #expect(replicas.filter { $0.masterID == master.id }.count == 1, "\(master) should have one replica: \(nodes)")
        }
        var served = [Int](repeating: 0, count: 16384)
        for master in masters { for range in master.slots { for slot in range { served[slot] += 1 } } }
        #expect(served.allSatisfy { $0 == 1 }, "every slot served by exactly one master")
        for port in cluster.ports {
            let info = RawRedis.fields(try RawRedis.text(port: port, "CLUSTER", "INFO"))
            #expect(info["cluster_state"] == "ok" && info["cluster_slots_ok"] == "16384", "node \(port): \(info)")
        }
    }

    @Test func theHashSlotHelperAgreesWithClusterKeyslot() throws {
        let cluster = try RedisClusterControl.shared()
        #expect(RedisClusterControl.hashSlot("123456789") == 0x31C3 % 16384)  // CRC16-XMODEM's check value
        let keys = [
            "", "a", "foo", "123456789", "{user1000}.following", "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap",
            "foo{bar}{zap}", "{}", "{", "}{x}", "pl:{queue:0}:pending", "pl:{queue:15}:tenant:acme", "pl:{code:ab12}:attempts",
            "caf\u{E9}", "\u{1F511}{\u{1F511}}",
        ]
        for key in keys {
            let expected = try RawRedis.send(port: cluster.ports[0], "CLUSTER", "KEYSLOT", key).int
            #expect(RedisClusterControl.hashSlot(key) == expected, "slot of \(key.debugDescription)")
        }
        #expect(RedisClusterControl.hashSlot("x{tag}y") == RedisClusterControl.hashSlot("tag"))
    }

    @Test func theTLSServerAnswersClientsThatTrustItsCAAndNoOthers() async throws {
        let url = try TestEnvironment.redisTLSURL()
        let components = try #require(URLComponents(string: url))
        #expect(components.scheme == "rediss")
        let port = try #require(components.port)
        let files = try TestEnvironment.redisTLSFiles()
        let wrongCA = try TestEnvironment.redisWrongCAFile()
        let wrongClient = try TestEnvironment.redisWrongClientFiles()

        #expect(try await Self.ping(port: port, ["--tls", "--cacert", files.caFile!]) == "PONG")
        let withClientCertificate = ["--tls", "--cacert", files.caFile!, "--cert", files.certificateFile!, "--key", files.keyFile!]
        #expect(try await Self.ping(port: port, withClientCertificate) == "PONG")
        // The client does not trust the server's certificate.
        let refused = try await Self.ping(port: port, ["--tls", "--cacert", wrongCA])
        #expect(refused != "PONG" && refused.lowercased().contains("certificate"), "\(refused)")
        // The server does not trust the client's certificate.
        #expect(
            try await Self.ping(
                port: port, ["--tls", "--cacert", files.caFile!, "--cert", wrongClient.certFile, "--key", wrongClient.keyFile])
                != "PONG")
        // No TLS at all.
        #expect(try await Self.ping(port: port, []) != "PONG")

        // The server's certificate names 127.0.0.1 and localhost, and is signed by the CA only.
        let server = try TestEnvironment.redisTLSServerFiles()
        let names = try await RedisClusterControl.run(
            "/usr/bin/env", ["openssl", "x509", "-in", server.certFile, "-noout", "-ext", "subjectAltName"])
        #expect(names.output.contains("IP Address:127.0.0.1") && names.output.contains("DNS:localhost"), "\(names.output)")
        #expect(
            try await RedisClusterControl.run("/usr/bin/env", ["openssl", "verify", "-CAfile", files.caFile!, server.certFile]).status == 0)
        #expect(try await RedisClusterControl.run("/usr/bin/env", ["openssl", "verify", "-CAfile", wrongCA, server.certFile]).status != 0)
    }

    /// What a stack with `redis: .tls` starts: a TLS-only server of its own with the test certificates.
    @Test func aTLSServerOfTheTestsOwnStartsAndStops() async throws {
        let server = try RedisServerProcess(tls: true)
        try await server.start()
        #expect(server.url == "rediss://127.0.0.1:\(server.port)/0")
        let ca = try TestEnvironment.redisTLSCAFile()
        #expect(try await Self.ping(port: server.port, ["--tls", "--cacert", ca]) == "PONG")
        await server.stop()
        #expect(try await Self.ping(port: server.port, ["--tls", "--cacert", ca]) != "PONG")
        try await server.start()
        #expect(try await Self.ping(port: server.port, ["--tls", "--cacert", ca]) == "PONG")
        await server.stop()
    }

    @Test func aKilledMasterIsReplacedByItsReplicaAndRejoinsAsAReplica() async throws {
        let cluster = try RedisClusterControl.shared()
        try await cluster.restore()
        try cluster.flushAll()
        let victim = try cluster.master(owningKey: "{infra}")
        let replica = try #require(try cluster.replicas(of: victim).first)
        for index in 0..<50 { try RawRedis.send(port: victim.port, "SET", "{infra}:\(index)", String(index)) }
        let replicated = await TestEnvironment.eventually(within: .seconds(5)) {
            (try? RawRedis.send(port: replica.port, "DBSIZE").int) == 50
        }
        #expect(replicated)
        #expect(try cluster.masterHoldingMostKeys(matching: "{infra}:*").id == victim.id)

        let clock = ContinuousClock()
        let killedAt = clock.now
        let killed = try await cluster.killNode(port: victim.port)
        #expect(killed.isMaster && killed.slotCount > 0)
        let promoted = try await cluster.waitForFailover(of: killed)
        let failover = clock.now - killedAt
        #expect(promoted.id == replica.id)
        #expect(try RawRedis.send(port: promoted.port, "GET", "{infra}:49").string == "49")
        #expect(cluster.healthProblem() != nil, "one node is down")

        let restartedAt = clock.now
        try await cluster.restartNode(port: victim.port)
        try await cluster.waitUntilHealthy()
        let rejoin = clock.now - restartedAt
        let nodes = try cluster.nodes()
        #expect(nodes.first { $0.port == victim.port }?.masterID == promoted.id, "the old master follows its replacement: \(nodes)")
        print("redis cluster: failover after kill -9 \(failover), killed node back as a replica \(rejoin)")
        try cluster.flushAll()
    }

    @Test func aReshardMovesSlotsWithTheirKeysAndRebalanceMovesThemBack() async throws {
        let cluster = try RedisClusterControl.shared()
        try await cluster.restore()
        try cluster.flushAll()
        let keys = (0..<300).map { "infra:reshard:\($0)" }
        for key in keys { try RawRedis.send(port: try cluster.master(owningKey: key).port, "SET", key, key) }
        let masters = try cluster.masters()
        let source = masters[0]
        let target = masters[1]

        let clock = ContinuousClock()
        let started = clock.now
        let reshard = try cluster.startReshard(slots: 200, from: source, to: target)
        try await cluster.finish(reshard)
        let moved = clock.now - started
        // redis-cli tells the source and the target; the node read here may learn it by gossip
        // a moment later.
        let settled = await TestEnvironment.eventually(within: .seconds(5)) {
            guard let after = try? cluster.masters() else { return false }
            return after.first { $0.id == source.id }?.slotCount == source.slotCount - 200
                && after.first { $0.id == target.id }?.slotCount == target.slotCount + 200
        }
        #expect(settled, "200 slots from \(source) to \(target), seen: \((try? cluster.masters()) ?? [])")
        for key in keys {
            #expect(try RawRedis.send(port: try cluster.master(owningKey: key).port, "GET", key).string == key, "\(key) after the reshard")
        }

        let rebalanceStarted = clock.now
        try await cluster.rebalance()
        let rebalanced = clock.now - rebalanceStarted
        try await cluster.waitUntilHealthy()
        let balanced = try cluster.masters()
        #expect(balanced.allSatisfy { abs($0.slotCount - 16384 / 3) < 200 }, "\(balanced)")
        print("redis cluster: reshard of 200 slots \(moved), rebalance \(rebalanced)")
        try cluster.flushAll()
    }

    @Test func recreateMakesTheClusterAgainFromScratch() async throws {
        let cluster = try RedisClusterControl.shared()
        try await cluster.restore()
        let clock = ContinuousClock()
        let started = clock.now
        try await cluster.recreate()
        let recreated = clock.now - started
        #expect(cluster.healthProblem() == nil)
        print("redis cluster: recreated from scratch in \(recreated)")
    }

    /// `redis-cli -h 127.0.0.1 -p PORT ARGUMENTS… ping`: its output, trimmed.
    static func ping(port: Int, _ arguments: [String]) async throws -> String {
        let result = try await RedisClusterControl.run(
            try TestEnvironment.redisCLIBinary(), ["-h", "127.0.0.1", "-p", String(port)] + arguments + ["ping"])
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
