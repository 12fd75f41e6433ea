import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// Knows where each command goes: the one server, or the master of the command's slot on a
/// Redis Cluster. Holds the pools of shared connections, one per node, opened on first use.
///
/// The topology is learnt on first use, from the first seed that answers: `INFO cluster` tells
/// a cluster (`cluster_enabled:1`) from a single server, unless `REDIS_MODE` says which; a
/// cluster's slot map comes from `CLUSTER SLOTS`. The map is read again when a node redirects
/// (`MOVED`), refuses connections or says the cluster is down, at most every 100 ms.
final class RedisRouter: Sendable {
    enum Topology: Sendable {
        case standalone(RedisEndpoint)
        case cluster(ClusterSlotMap)
    }

    private struct State {
        var topology: Topology?
        var discovery: Task<Result<Topology, RedisError>, Never>?
        var refresh: Task<Void, Never>?
        var lastRefresh = NIODeadline.distantPast
        var pools: [RedisEndpoint: RedisNodePool] = [:]
        var settings: RedisConnectionSettings?
        var closed = false
    }

    let configuration: RedisConfiguration
    let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State())

    init(configuration: RedisConfiguration, group: any EventLoopGroup) {
        self.configuration = configuration
        self.group = group
    }

    /// Loads the TLS files, if any (from `run()`: nothing happens in `init`). A file that cannot
    /// be loaded is logged once, and every connection then fails with the reason.
    func prepare(logger: Logger) {
        var tls: Result<NIOSSLContext, RedisError>?
        if let files = configuration.tls {
            do {
                tls = .success(try Self.tlsContext(files))
            } catch {
                let failure = RedisError.connectionFailed("TLS: \(error)")
                logger.error("redis TLS configuration failed", metadata: ["error": "\(failure)"])
                tls = .failure(failure)
            }
        }
        let settings = RedisConnectionSettings(configuration: configuration, tls: tls, logger: logger)
        state.withLockedValue { $0.settings = settings }
    }

    private static func tlsContext(_ files: RedisTLSFiles) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = files.caFile { tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
        switch (files.certificateFile, files.keyFile) {
        case (let certificate?, let key?):
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        case (nil, nil):
            break
        default:
            throw RedisError.invalidURL("REDIS_TLS_CERT_FILE and REDIS_TLS_KEY_FILE go together")
        }
        return try NIOSSLContext(configuration: tls)
    }

    /// The shared connections to `endpoint`.
    func pool(_ endpoint: RedisEndpoint) throws(RedisError) -> RedisNodePool {
        let pool = state.withLockedValue { state -> RedisNodePool? in
            guard !state.closed, let settings = state.settings else { return nil }
            if let pool = state.pools[endpoint] { return pool }
            let pool = RedisNodePool(endpoint: endpoint, size: configuration.poolSize, group: group, settings: settings)
            state.pools[endpoint] = pool
            return pool
        }
        guard let pool else { throw .clientClosed }
        return pool
    }

    /// A connection of its own to `endpoint`, for blocking commands.
    func dedicatedConnection(_ endpoint: RedisEndpoint) throws(RedisError) -> RedisNodeConnection {
        guard let settings = state.withLockedValue({ $0.closed ? nil : $0.settings }) else { throw .clientClosed }
        return RedisNodeConnection(endpoint: endpoint, eventLoop: group.next(), settings: settings)
    }

    /// The topology, learnt on first use (one discovery at a time, shared by every caller).
    func topology() async throws(RedisError) -> Topology {
        let (known, discovery) = state.withLockedValue { state -> (Topology?, Task<Result<Topology, RedisError>, Never>?) in
            if let topology = state.topology { return (topology, nil) }
            if let discovery = state.discovery { return (nil, discovery) }
            let discovery = Task { await self.discover() }
            state.discovery = discovery
            return (nil, discovery)
        }
        if let known { return known }
        return try await discovery!.value.get()
    }

    private func discover() async -> Result<Topology, RedisError> {
        let result = await findTopology()
        state.withLockedValue { state in
            state.discovery = nil
            if case .success(let topology) = result {
                state.topology = topology
                state.lastRefresh = .now()
            }
        }
        return result
    }

    private func findTopology() async -> Result<Topology, RedisError> {
        if configuration.mode == .standalone { return .success(.standalone(configuration.seeds[0])) }
        var failure = RedisError.connectionFailed("no seed node answered")
        for seed in configuration.seeds {
            let deadline = NIODeadline.now() + TimeAmount(configuration.commandTimeout)
            do throws(RedisError) {
                let pool = try pool(seed)
                if configuration.mode == .automatic {
                    let info = try await pool.roundTrip([RedisCommand("INFO", "cluster")], deadline: deadline).get()[0]
                        .throwingServerError()
                    guard info.string?.contains("cluster_enabled:1") == true else { return .success(.standalone(seed)) }
                }
                return .success(.cluster(try await slotMap(from: seed, deadline: deadline)))
            } catch {
                failure = error
            }
        }
        return .failure(failure)
    }

    /// Reads the slot map again (waiting for a read already under way); at most every 100 ms.
    func refreshSlots() async {
        let refresh = state.withLockedValue { state -> Task<Void, Never>? in
            guard case .cluster = state.topology else { return nil }
            if let refresh = state.refresh { return refresh }
            guard NIODeadline.now() - state.lastRefresh >= .milliseconds(100) else { return nil }
            let refresh = Task { await self.loadSlots() }
            state.refresh = refresh
            return refresh
        }
        await refresh?.value
    }

    private func loadSlots() async {
        var candidates: [RedisEndpoint] = []
        if case .cluster(let map) = state.withLockedValue({ $0.topology }) { candidates = map.masters + map.nodes }
        candidates += configuration.seeds
        var seen = Set<RedisEndpoint>()
        var map: ClusterSlotMap?
        for node in candidates where seen.insert(node).inserted {
            let deadline = NIODeadline.now() + TimeAmount(configuration.connectTimeout)
            guard let read = try? await slotMap(from: node, deadline: deadline) else { continue }
            map = read
            break
        }
        state.withLockedValue { state in
            state.refresh = nil
            state.lastRefresh = .now()
            if let map { state.topology = .cluster(map) }
        }
    }

    /// `CLUSTER SLOTS` as `node` answers it.
    private func slotMap(from node: RedisEndpoint, deadline: NIODeadline) async throws(RedisError) -> ClusterSlotMap {
        let reply = try await pool(node).roundTrip([RedisCommand("CLUSTER", "SLOTS")], deadline: deadline).get()[0]
        guard let map = ClusterSlotMap(slots: try reply.throwingServerError(), answeredBy: node) else {
            throw .unavailable("the cluster serves no slot yet")
        }
        return map
    }

    /// Records a `MOVED` redirect in the map.
    func learn(slot: Int, movedTo endpoint: RedisEndpoint) {
        state.withLockedValue { state in
            guard case .cluster(var map) = state.topology else { return }
            map.move(slot: slot, to: endpoint)
            state.topology = .cluster(map)
        }
    }

    /// The current slot map (nil outside a cluster).
    var slotMap: ClusterSlotMap? {
        if case .cluster(let map) = state.withLockedValue({ $0.topology }) { return map }
        return nil
    }

    /// Closes every pool; later calls throw ``RedisError/clientClosed``.
    func close() async {
        let pools = state.withLockedValue { state -> [RedisNodePool] in
            state.closed = true
            defer { state.pools = [:] }
            return Array(state.pools.values)
        }
        for pool in pools { await pool.close() }
    }
}
