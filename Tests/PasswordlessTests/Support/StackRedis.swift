import Foundation
import RedisClient
import Testing

/// Which Redis a ``PasswordlessStack`` runs against (``PasswordlessStack/Options/redis``). A test
/// that should hold for every deployment takes it as an argument:
///
///     @Test(arguments: RedisTarget.allCases) func signsIn(redis: RedisTarget) async throws {
///         var options = PasswordlessStack.Options()
///         options.redis = redis
///         try await PasswordlessStack.with(options) { stack in … }
///     }
enum RedisTarget: String, Sendable, CaseIterable, CustomTestStringConvertible {
    /// A `redis-server` of the stack's own on plain TCP (`redis://`).
    case single
    /// A `redis-server` of the stack's own that speaks only TLS (`rediss://`), with the
    /// certificates `deploy/local/test.sh` made; the services get `REDIS_TLS_CA_FILE`,
    /// `REDIS_TLS_CERT_FILE` and `REDIS_TLS_KEY_FILE`.
    case tls
    /// The test Redis Cluster (six nodes), restored to healthy and flushed when the stack starts;
    /// `REDIS_URL` lists its six nodes as seeds.
    case cluster

    var testDescription: String { rawValue }
}

/// The Redis of one ``PasswordlessStack``: what the services are told (``environment``), and the
/// server behind it — the stack's own (``server``) or the shared cluster (``cluster``).
final class StackRedis: Sendable {
    let target: RedisTarget
    /// The stack's own server (``RedisTarget/single``, ``RedisTarget/tls``).
    let server: RedisServerProcess?
    /// The test Redis Cluster (``RedisTarget/cluster``).
    let cluster: RedisClusterControl?
    /// `REDIS_URL`, and for TLS the CA and the client certificate and key files.
    let environment: [String: String]

    init(_ target: RedisTarget, serverArguments: [String] = []) async throws {
        self.target = target
        switch target {
        case .single, .tls:
            let server = try RedisServerProcess(extraArguments: serverArguments, tls: target == .tls)
            try await server.start()
            self.server = server
            cluster = nil
            environment = ["REDIS_URL": server.url].merging(target == .tls ? try TestEnvironment.redisTLSFiles().environment : [:]) { $1 }
        case .cluster:
            guard serverArguments.isEmpty else {
                throw TestFailure("redisArguments apply to a Redis of the stack's own, not to the shared cluster: \(serverArguments)")
            }
            let cluster = try RedisClusterControl.shared()
            try await cluster.restore()
            try cluster.flushAll()
            server = nil
            self.cluster = cluster
            environment = ["REDIS_URL": cluster.url]
        }
    }

    /// `REDIS_URL`.
    var url: String { environment["REDIS_URL"]! }

    /// What a test's own ``RedisClient`` needs to reach this Redis: `REDIS_URL`, and for TLS the
    /// CA and client certificate the services are given (`RedisConfiguration(url:)` alone would
    /// check the server against the system's roots, and fail).
    func configuration() throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: url)
        if target == .tls { configuration.tls = try TestEnvironment.redisTLSFiles() }
        return configuration
    }

    /// Kills the stack's own server (SIGKILL, as abrupt as a crash), to prove the services
    /// recover. On the cluster, kill a node with ``RedisClusterControl/killNode(port:)`` instead.
    func stop() async {
        guard let server else {
            Issue.record("StackRedis.stop() stops a Redis of the stack's own; on the cluster use RedisClusterControl.killNode(port:)")
            return
        }
        await server.stop()
    }

    /// Starts the stack's own server again, on the same port.
    func start() async throws {
        guard let server else {
            throw TestFailure(
                "StackRedis.start() starts a Redis of the stack's own; on the cluster use RedisClusterControl.restartNode(port:)")
        }
        try await server.start()
    }
}
