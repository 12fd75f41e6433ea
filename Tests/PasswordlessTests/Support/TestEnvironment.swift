import Foundation

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
    /// Seed nodes of the test Redis Cluster (three masters, three replicas).
    static func redisClusterURL() throws -> String { try require("PASSWORDLESS_TEST_REDIS_CLUSTER_URL") }

    /// The TLS-only test Redis (`rediss://`) and the CA that signed its certificate.
    static func redisTLSURL() throws -> String { try require("PASSWORDLESS_TEST_REDIS_TLS_URL") }
    static func redisTLSCAFile() throws -> String { try require("PASSWORDLESS_TEST_REDIS_TLS_CA_FILE") }

    static func binDirectory() throws -> URL { URL(fileURLWithPath: try require("PASSWORDLESS_BIN_DIR")) }
    /// `redis-server`, for tests that start, stop and restart a Redis of their own.
    static func redisServerBinary() throws -> String { try require("REDIS_SERVER_BIN") }

    /// A unique, readable prefix for keys and names created by one test.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))_\(UInt16.random(in: 0...UInt16.max))"
    }

    /// A TCP port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
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
