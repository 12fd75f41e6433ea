import Foundation
import NIOConcurrencyHelpers
import RedisClient

/// What the test command (`deploy/local/test.sh`) provides: the servers it started and where
/// the built executables are. A test that needs one of these and finds it missing fails with a
/// message saying so; it never skips.
enum TestEnvironment {
    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String {
            "\(variable) is not set: run the tests with `bash deploy/local/test.sh`, which starts PostgreSQL and Redis and sets it"
        }
    }

    static func require(_ variable: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { throw Missing(variable: variable) }
        return value
    }

    /// A PostgreSQL URL whose role may create databases.
    static func databaseURL() throws -> String { try require("PASSWORDLESS_TEST_DATABASE_URL") }
    /// The shared test Redis (tests use their own key prefixes).
    static func redisURL() throws -> String { try require("PASSWORDLESS_TEST_REDIS_URL") }
    /// The folder holding the built executables.
    static func binDirectory() throws -> URL { URL(fileURLWithPath: try require("PASSWORDLESS_BIN_DIR")) }
    /// `redis-server`, for tests that start, stop and restart a Redis of their own.
    static func redisServerBinary() throws -> String { try require("REDIS_SERVER_BIN") }
    /// `redis-cli`: `REDIS_CLI_BIN`, else the one next to `redis-server`.
    static func redisCLIBinary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["REDIS_CLI_BIN"], !path.isEmpty { return path }
        let sibling = URL(fileURLWithPath: try redisServerBinary()).deletingLastPathComponent().appendingPathComponent("redis-cli").path
        guard FileManager.default.isExecutableFile(atPath: sibling) else { throw Missing(variable: "REDIS_CLI_BIN") }
        return sibling
    }

    // MARK: Redis Cluster and TLS (started by deploy/local/test.sh)

    /// The test Redis Cluster's seed nodes, all six: `redis://127.0.0.1:57001,127.0.0.1:57002,…`.
    static func redisClusterURL() throws -> String { try require("PASSWORDLESS_TEST_REDIS_CLUSTER_URL") }
    /// The ports of the cluster's six nodes (`PASSWORDLESS_TEST_REDIS_CLUSTER_PORTS`, comma-separated).
    static func redisClusterPorts() throws -> [Int] {
        let text = try require("PASSWORDLESS_TEST_REDIS_CLUSTER_PORTS")
        let ports = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard ports.count == 6 else { throw TestFailure("PASSWORDLESS_TEST_REDIS_CLUSTER_PORTS must list six ports, not \(text)") }
        return ports
    }
    /// The cluster's directory: `<dir>/<port>/redis.conf` restarts a node (`redis-server` daemonizes).
    static func redisClusterDirectory() throws -> URL { URL(fileURLWithPath: try require("PASSWORDLESS_TEST_REDIS_CLUSTER_DIR")) }

    /// The test Redis that speaks only TLS: `rediss://127.0.0.1:57010/0`.
    static func redisTLSURL() throws -> String { try require("PASSWORDLESS_TEST_REDIS_TLS_URL") }
    /// What a client of the TLS Redis needs: the CA that signed the server's certificate, and a
    /// client certificate and key (the server asks for one but does not insist).
    static func redisTLSCAFile() throws -> String { try require("PASSWORDLESS_TEST_REDIS_TLS_CA_FILE") }
    static func redisTLSFiles() throws -> RedisTLSFiles {
        RedisTLSFiles(
            caFile: try require("PASSWORDLESS_TEST_REDIS_TLS_CA_FILE"),
            certificateFile: try require("PASSWORDLESS_TEST_REDIS_TLS_CERT_FILE"),
            keyFile: try require("PASSWORDLESS_TEST_REDIS_TLS_KEY_FILE"))
    }
    /// A CA that signed neither certificate: a client trusting only it must refuse the server.
    static func redisWrongCAFile() throws -> String { try require("PASSWORDLESS_TEST_REDIS_WRONG_CA_FILE") }
    /// A client certificate and key signed by the wrong CA: the server must refuse them.
    static func redisWrongClientFiles() throws -> (certFile: String, keyFile: String) {
        (try require("PASSWORDLESS_TEST_REDIS_TLS_WRONG_CERT_FILE"), try require("PASSWORDLESS_TEST_REDIS_TLS_WRONG_KEY_FILE"))
    }
    /// The server's certificate and key (signed by the CA), for tests that start a TLS Redis of their own.
    static func redisTLSServerFiles() throws -> (certFile: String, keyFile: String) {
        (try require("PASSWORDLESS_TEST_REDIS_TLS_SERVER_CERT_FILE"), try require("PASSWORDLESS_TEST_REDIS_TLS_SERVER_KEY_FILE"))
    }

    /// A unique, readable prefix for keys and names created by one test.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))_\(UInt16.random(in: 0...UInt16.max))"
    }

    /// Where ``freePort()`` hands ports out: below Linux's ephemeral range (32768–60999), so no
    /// outgoing connection (a Redis client, libcurl) can take a port between its hand-out and the
    /// bind of the server it was meant for.
    static let portRange = 20000..<32768
    /// The next port's offset in ``portRange``: each port is handed out once per test run, from a
    /// random start so that two runs on one machine rarely meet.
    private static let nextPortOffset = NIOLockedValueBox(Int.random(in: 0..<portRange.count))

    /// A TCP port nobody listens on right now, not handed out before in this run.
    static func freePort() throws -> Int {
        for _ in 0..<portRange.count {
            let port = nextPortOffset.withLockedValue { offset in
                defer { offset = (offset + 1) % portRange.count }
                return portRange.lowerBound + offset
            }
            if canBind(port) { return port }
        }
        throw POSIXError(.EADDRINUSE)
    }

    /// Whether a listener could bind `127.0.0.1:port` now.
    private static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    static func eventually(
        within timeout: Duration, every interval: Duration = .milliseconds(100), _ condition: () async -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: interval)
        }
        return await condition()
    }
}

extension RedisTLSFiles {
    /// `REDIS_TLS_CA_FILE`, `REDIS_TLS_CERT_FILE`, `REDIS_TLS_KEY_FILE`, as the services take them.
    var environment: [String: String] {
        ["REDIS_TLS_CA_FILE": caFile, "REDIS_TLS_CERT_FILE": certificateFile, "REDIS_TLS_KEY_FILE": keyFile].compactMapValues { $0 }
    }
}
