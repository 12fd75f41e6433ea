/// Which master serves each of a Redis Cluster's 16,384 slots, read from `CLUSTER SLOTS`.
struct ClusterSlotMap: Sendable {
    /// For each slot, its master's index in ``masters``; -1 for a slot no master serves.
    private var owners: [Int16]
    private(set) var masters: [RedisEndpoint]
    /// Every node the map names (masters and replicas), to ask for the next map.
    private(set) var nodes: [RedisEndpoint]

    /// Reads a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id…], replica…]…]`. A host
    /// left empty means the node that answered. Nil when the reply has another shape or covers
    /// no slot.
    init?(slots reply: RESPValue, answeredBy queried: RedisEndpoint) {
        guard let ranges = reply.array else { return nil }
        owners = Array(repeating: -1, count: RedisHashSlot.count)
        masters = []
        nodes = []
        for range in ranges {
            guard let fields = range.array, fields.count >= 3, let start = fields[0].int, let end = fields[1].int,
                (0..<Int64(RedisHashSlot.count)).contains(start), (start..<Int64(RedisHashSlot.count)).contains(end)
            else { return nil }
            let endpoints = fields[2...].compactMap { Self.endpoint($0, queried: queried) }
            guard let master = endpoints.first else { return nil }
            for node in endpoints where !nodes.contains(node) { nodes.append(node) }
            let index: Int
            if let known = masters.firstIndex(of: master) {
                index = known
            } else {
                index = masters.count
                masters.append(master)
            }
            for slot in Int(start)...Int(end) { owners[slot] = Int16(index) }
        }
        guard !masters.isEmpty else { return nil }
    }

    private static func endpoint(_ node: RESPValue, queried: RedisEndpoint) -> RedisEndpoint? {
        guard let fields = node.array, fields.count >= 2, let host = fields[0].string, let port = fields[1].int, port > 0 else {
            return nil
        }
        return RedisEndpoint(host: host.isEmpty || host == "?" ? queried.host : host, port: Int(port))
    }

    /// The master serving `slot` (the first master for a slot nobody serves: it answers
    /// `CLUSTERDOWN` or redirects).
    func master(forSlot slot: Int) -> RedisEndpoint {
        let owner = owners[slot]
        return owner < 0 ? masters[0] : masters[Int(owner)]
    }

    /// The master for a command's routing key; the first master for keyless commands.
    func master(forKey key: [UInt8]?) -> RedisEndpoint {
        key.map { master(forSlot: RedisHashSlot.of($0)) } ?? masters[0]
    }

    /// Records what a `MOVED` redirect said, until the next map.
    mutating func move(slot: Int, to endpoint: RedisEndpoint) {
        guard (0..<RedisHashSlot.count).contains(slot) else { return }
        if let index = masters.firstIndex(of: endpoint) {
            owners[slot] = Int16(index)
        } else {
            owners[slot] = Int16(masters.count)
            masters.append(endpoint)
            if !nodes.contains(endpoint) { nodes.append(endpoint) }
        }
    }
}

/// What a cluster's error reply asks of the client.
enum ClusterRedirect: Equatable {
    /// `MOVED slot host:port`: the slot lives there now.
    case moved(slot: Int, to: RedisEndpoint)
    /// `ASK slot host:port`: this one key is being migrated; ask there, once, after `ASKING`.
    case ask(to: RedisEndpoint)
    /// `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`, `LOADING`, `READONLY`: retry shortly,
    /// after reading the map again.
    case retry

    init?(_ reply: RESPValue) {
        guard case .error(let message) = reply else { return nil }
        if message.hasPrefix("MOVED ") || message.hasPrefix("ASK ") {
            let parts = message.split(separator: " ")
            guard parts.count >= 3, let slot = Int(parts[1]), let endpoint = try? RedisEndpoint(parsing: parts[2]) else { return nil }
            self = parts[0] == "MOVED" ? .moved(slot: slot, to: endpoint) : .ask(to: endpoint)
        } else if RedisError.clusterRetryPrefixes.contains(where: { message.hasPrefix($0) }) {
            self = .retry
        } else {
            return nil
        }
    }
}
