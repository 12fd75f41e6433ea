import Foundation

/// The Redis Cluster `deploy/local/test.sh` starts: six `redis-server`s on 127.0.0.1, three
/// masters and three replicas, `cluster-node-timeout` 1 s, no persistence, each started from
/// `<PASSWORDLESS_TEST_REDIS_CLUSTER_DIR>/<port>/redis.conf` (it daemonizes). Chaos tests use this
/// to kill a node and bring it back, move slots while a test runs, and leave the cluster healthy
/// for the next test. It talks to the nodes with ``RawRedis`` and `redis-cli`, never with the
/// product's Redis client.
///
/// Typical use, in a test that kills the master holding the queue:
///
///     let cluster = try RedisClusterControl.shared()
///     let victim = try cluster.masterHoldingMostKeys(matching: "pl:{queue:*")
///     let killed = try await cluster.killNode(port: victim.port)
///     let promoted = try await cluster.waitForFailover(of: killed)   // its replica, ~2.5 s
///     …
///     try await cluster.restore()   // restarts the killed node, which rejoins as a replica (< 1 s)
///
/// Measured on the 2-core CI machine: a killed master's replica serves its slots after about
/// 2.5 s; a restarted node is back as an in-sync replica in under 1 s; ``recreate()`` (all six
/// nodes from scratch) takes about 3 s.
final class RedisClusterControl: Sendable {
    let ports: [Int]
    /// Holds one directory per node, named by its port.
    let directory: URL
    /// The seed list for `REDIS_URL`.
    let url: String

    init(ports: [Int], directory: URL, url: String) {
        self.ports = ports
        self.directory = directory.resolvingSymlinksInPath()
        self.url = url
    }

    /// The cluster of the test environment (`PASSWORDLESS_TEST_REDIS_CLUSTER_PORTS`, `…_DIR`, `…_URL`).
    static func shared() throws -> RedisClusterControl {
        RedisClusterControl(
            ports: try TestEnvironment.redisClusterPorts(), directory: try TestEnvironment.redisClusterDirectory(),
            url: try TestEnvironment.redisClusterURL())
    }

    func nodeDirectory(port: Int) -> URL { directory.appendingPathComponent(String(port)) }
    /// The node's configuration: `redis-server <this file>` starts it again.
    func configFile(port: Int) -> URL { nodeDirectory(port: port).appendingPathComponent("redis.conf") }

    // MARK: Topology

    /// One line of `CLUSTER NODES`.
    struct Node: Sendable, CustomStringConvertible {
        var id: String
        var port: Int
        var flags: Set<String>
        var masterID: String?
        var connected: Bool
        var slots: [ClosedRange<Int>]
        /// Slots being moved: `[slot->-node]` (migrating) or `[slot-<-node]` (importing).
        var openSlots: [String]

        var isMaster: Bool { flags.contains("master") }
        var isReplica: Bool { flags.contains("slave") }
        var isFailing: Bool { flags.contains("fail") || flags.contains("fail?") }
        var slotCount: Int { slots.reduce(0) { $0 + $1.count } }
        func owns(slot: Int) -> Bool { slots.contains { $0.contains(slot) } }

        var description: String {
            "127.0.0.1:\(port) \(flags.subtracting(["myself"]).sorted().joined(separator: ","))"
                + (slots.isEmpty ? "" : " (\(slotCount) slots)")
        }

        init?(line: Substring) {
            let fields = line.split(separator: " ")
            guard fields.count >= 8 else { return nil }
            // 127.0.0.1:57001@47001[,hostname]
            let address = fields[1].split(separator: "@")[0]
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
            id = String(fields[0])
            self.port = port
            flags = Set(fields[2].split(separator: ",").map(String.init))
            masterID = fields[3] == "-" ? nil : String(fields[3])
            connected = fields[7] == "connected"
            slots = []
            openSlots = []
            for field in fields.dropFirst(8) {
                if field.hasPrefix("[") {
                    openSlots.append(String(field))
                    continue
                }
                let bounds = field.split(separator: "-").compactMap { Int($0) }
                if bounds.count == 1 { slots.append(bounds[0]...bounds[0]) }
                if bounds.count == 2 { slots.append(bounds[0]...bounds[1]) }
            }
        }
    }

    /// Every node, as the node on `port` sees it.
    func nodes(seenBy port: Int) throws -> [Node] {
        let text = try RawRedis.text(port: port, "CLUSTER", "NODES", timeout: .seconds(2))
        return text.split(whereSeparator: \.isNewline).compactMap(Node.init(line:)).sorted { $0.port < $1.port }
    }

    /// Every node, as the first node that answers sees it.
    func nodes() throws -> [Node] {
        var problems: [String] = []
        for port in ports {
            do { return try nodes(seenBy: port) } catch { problems.append("\(error)") }
        }
        throw TestFailure("no node of the Redis Cluster answers CLUSTER NODES: \(problems.joined(separator: "; "))")
    }

    /// The masters that serve slots and are not failing.
    func masters() throws -> [Node] { try nodes().filter { $0.isMaster && !$0.isFailing && !$0.slots.isEmpty } }

    func replicas(of master: Node) throws -> [Node] { try nodes().filter { $0.isReplica && $0.masterID == master.id } }

    func master(owningSlot slot: Int) throws -> Node {
        guard let node = try masters().first(where: { $0.owns(slot: slot) }) else { throw TestFailure("no master serves slot \(slot)") }
        return node
    }

    func master(owningKey key: String) throws -> Node { try master(owningSlot: Self.hashSlot(key)) }

    /// How many keys matching `pattern` (a `SCAN MATCH` glob) each master holds, most first.
    func keyCounts(matching pattern: String) throws -> [(node: Node, count: Int)] {
        try masters().map { master in
            var cursor = "0"
            var count = 0
            repeat {
                let reply = try RawRedis.send(port: master.port, "SCAN", cursor, "MATCH", pattern, "COUNT", "1000")
                guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                    throw TestFailure("SCAN answered \(reply)")
                }
                cursor = next
                count += parts[1].array?.count ?? 0
            } while cursor != "0"
            return (master, count)
        }.sorted { $0.count > $1.count }
    }

    /// The master holding the most keys matching `pattern`, e.g. `pl:{queue:*` for the queue's.
    func masterHoldingMostKeys(matching pattern: String) throws -> Node {
        let counts = try keyCounts(matching: pattern)
        guard let most = counts.first, most.count > 0 else { throw TestFailure("no master holds a key matching \(pattern)") }
        return most.node
    }

    // MARK: Processes

    /// The pid of the node on `port`, once its `dir` shows that it is one of this cluster's nodes.
    func processID(port: Int) throws -> Int32 {
        let dir = try RawRedis.send(port: port, "CONFIG", "GET", "dir").array?.last?.string ?? ""
        guard URL(fileURLWithPath: dir).resolvingSymlinksInPath().path == nodeDirectory(port: port).path else {
            throw TestFailure("the Redis on port \(port) is not a node of this cluster (its dir is \(dir))")
        }
        guard let pid = RawRedis.fields(try RawRedis.text(port: port, "INFO", "server"))["process_id"].flatMap({ Int32($0) }) else {
            throw TestFailure("INFO server on port \(port) has no process_id")
        }
        return pid
    }

    /// The pid in the node's pid file, if that process is alive and runs in the node's directory.
    private func runningProcessFromPIDFile(port: Int) -> Int32? {
        let file = nodeDirectory(port: port).appendingPathComponent("redis.pid")
        guard let text = try? String(contentsOf: file, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0,
            let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"),
            URL(fileURLWithPath: cwd).resolvingSymlinksInPath().path == nodeDirectory(port: port).path
        else { return nil }
        return pid
    }

    /// SIGKILLs the node on `port` (as abrupt as a crash) and waits until its port is closed;
    /// returns the node as the cluster saw it just before (its id, role and slots).
    @discardableResult
    func killNode(port: Int) async throws -> Node {
        guard let before = try nodes(seenBy: port).first(where: { $0.port == port }) else {
            throw TestFailure("node \(port) is not in its own CLUSTER NODES")
        }
        let pid = try processID(port: port)
        guard kill(pid, SIGKILL) == 0 else { throw TestFailure("kill -9 \(pid) failed (errno \(errno))") }
        let closed = await TestEnvironment.eventually(within: .seconds(5), every: .milliseconds(20)) {
            !RedisServerProcess.accepts(port: port)
        }
        guard closed else { throw TestFailure("port \(port) still accepts connections after kill -9 \(pid)") }
        return before
    }

    /// Stops (SIGSTOP) or resumes (SIGCONT) the node on `port`: a node that hangs rather than dies.
    func pauseNode(port: Int) throws { try signalNode(port: port, SIGSTOP) }
    func resumeNode(port: Int) throws { try signalNode(port: port, SIGCONT) }

    private func signalNode(port: Int, _ signal: Int32) throws {
        guard let pid = runningProcessFromPIDFile(port: port) else { throw TestFailure("node \(port) is not running") }
        guard kill(pid, signal) == 0 else { throw TestFailure("kill -\(signal) \(pid) failed (errno \(errno))") }
    }

    /// Starts the node on `port` again from its redis.conf and waits until it answers. Its
    /// nodes.conf is kept, so it rejoins the cluster: a master that was failed over comes back as
    /// a replica of the node that replaced it (empty: the nodes do not persist data, and sync).
    func restartNode(port: Int) async throws {
        guard !RedisServerProcess.accepts(port: port) else { throw TestFailure("port \(port) is in use: node \(port) is running") }
        // redis-server daemonizes. Foundation's Process learns that its child ended when a socket
        // it hands the child closes; a daemon would keep it open for ever (and the child a zombie),
        // so bash closes every descriptor above 2 before it becomes redis-server.
        let closeAndExec = #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done; exec "$@""#
        let result = try await Self.run(
            "/bin/bash", ["-c", closeAndExec, "redis-server", try TestEnvironment.redisServerBinary(), configFile(port: port).path])
        guard result.status == 0 else { throw TestFailure("redis-server \(configFile(port: port).path) failed: \(result.output)") }
        let up = await TestEnvironment.eventually(within: .seconds(10), every: .milliseconds(20)) {
            (try? RawRedis.send(port: port, "PING", timeout: .seconds(1))) == .simple("PONG")
        }
        guard up else { throw TestFailure("node \(port) did not answer PING after its restart") }
    }

    /// Waits until the slots `killed` (a master ``killNode(port:)`` returned) served are served
    /// by another master — its replica, promoted — and every live node reports cluster_state:ok;
    /// returns that master.
    func waitForFailover(of killed: Node, within timeout: Duration = .seconds(20)) async throws -> Node {
        guard let slot = killed.slots.first?.lowerBound else { throw TestFailure("\(killed) served no slots") }
        var promoted: Node?
        let done = await TestEnvironment.eventually(within: timeout) {
            guard let owner = try? self.master(owningSlot: slot), owner.id != killed.id else { return false }
            promoted = owner
            return self.ports.filter { RedisServerProcess.accepts(port: $0) }.allSatisfy {
                self.clusterInfo(port: $0)["cluster_state"] == "ok"
            }
        }
        guard done, let promoted else {
            throw TestFailure("no replica took over \(killed) within \(timeout): \((try? nodes().map(\.description)) ?? [])")
        }
        return promoted
    }

    private func clusterInfo(port: Int) -> [String: String] {
        (try? RawRedis.text(port: port, "CLUSTER", "INFO", timeout: .seconds(2))).map(RawRedis.fields) ?? [:]
    }

    // MARK: Health

    /// What keeps the cluster from being healthy, or nil. Healthy: every node answers and reports
    /// cluster_state:ok with all 16384 slots served and six known nodes; every node sees three
    /// masters serving slots, each with one replica, none failing, no slot being moved; every
    /// replica's link to its master is up.
    func healthProblem() -> String? {
        for port in ports {
            do {
                let info = RawRedis.fields(try RawRedis.text(port: port, "CLUSTER", "INFO", timeout: .seconds(2)))
                guard info["cluster_state"] == "ok", info["cluster_slots_ok"] == "16384", info["cluster_known_nodes"] == "6" else {
                    return "node \(port): cluster_state \(info["cluster_state"] ?? "?"), slots ok \(info["cluster_slots_ok"] ?? "?"), "
                        + "known nodes \(info["cluster_known_nodes"] ?? "?")"
                }
                let view = try nodes(seenBy: port)
                if let failing = view.first(where: \.isFailing) { return "node \(port) sees \(failing)" }
                if let moving = view.first(where: { !$0.openSlots.isEmpty }) {
                    return "node \(port) sees slots being moved: \(moving) \(moving.openSlots.joined(separator: " "))"
                }
                let masters = view.filter { $0.isMaster && !$0.slots.isEmpty }
                let replicas = view.filter(\.isReplica)
                guard masters.count == 3, replicas.count == 3,
                    masters.allSatisfy({ master in replicas.filter { $0.masterID == master.id }.count == 1 })
                else { return "node \(port) does not see three masters with one replica each: \(view.map(\.description))" }
                let replication = RawRedis.fields(try RawRedis.text(port: port, "INFO", "replication", timeout: .seconds(2)))
                if replication["role"] == "slave", replication["master_link_status"] != "up" {
                    return "replica \(port) is not in sync with its master (link \(replication["master_link_status"] ?? "?"))"
                }
            } catch {
                return "node \(port): \(error)"
            }
        }
        return nil
    }

    func waitUntilHealthy(within timeout: Duration = .seconds(20)) async throws {
        var problem: String?
        let healthy = await TestEnvironment.eventually(within: timeout) {
            problem = self.healthProblem()
            return problem == nil
        }
        guard healthy else { throw TestFailure("the Redis Cluster is not healthy after \(timeout): \(problem ?? "")") }
    }

    /// Gets the cluster healthy again for the next test, without `CLUSTER RESET`: resumes paused
    /// nodes, restarts every node that is down (a failed-over master rejoins as a replica), lets
    /// `redis-cli --cluster fix` close slots an interrupted reshard left open, and waits; if that
    /// is not enough within 15 s, ``recreate()``. Returns what it did ("healthy" when nothing).
    @discardableResult
    func restore() async throws -> String {
        if healthProblem() == nil { return "healthy" }
        var actions: [String] = []
        for port in ports {
            if let pid = runningProcessFromPIDFile(port: port) { kill(pid, SIGCONT) }
            if !RedisServerProcess.accepts(port: port) {
                try await restartNode(port: port)
                actions.append("restarted \(port)")
            }
        }
        if (try? nodes())?.contains(where: { !$0.openSlots.isEmpty }) == true {
            let fix = try await Self.run(
                try TestEnvironment.redisCLIBinary(), ["--cluster", "fix", "127.0.0.1:\(ports[0])", "--cluster-yes"])
            actions.append("redis-cli --cluster fix (exit \(fix.status))")
        }
        do {
            try await waitUntilHealthy(within: .seconds(15))
        } catch {
            try await recreate()
            actions.append("recreated (\(error))")
        }
        return actions.joined(separator: "; ")
    }

    /// Makes the cluster again from scratch: SIGKILLs the six nodes, wipes everything in their
    /// directories but redis.conf, starts them, runs `redis-cli --cluster create … --cluster-replicas 1`
    /// and waits until it is healthy (about 3 s). All data is gone.
    func recreate() async throws {
        for port in ports {
            if let pid = (try? processID(port: port)) ?? runningProcessFromPIDFile(port: port) {
                kill(pid, SIGCONT)
                kill(pid, SIGKILL)
            }
        }
        for port in ports {
            let closed = await TestEnvironment.eventually(within: .seconds(5), every: .milliseconds(20)) {
                !RedisServerProcess.accepts(port: port)
            }
            guard closed else { throw TestFailure("port \(port) is still in use: something else than the cluster's node listens there") }
            let files = try FileManager.default.contentsOfDirectory(at: nodeDirectory(port: port), includingPropertiesForKeys: nil)
            for file in files where file.lastPathComponent != "redis.conf" { try FileManager.default.removeItem(at: file) }
        }
        for port in ports { try await restartNode(port: port) }
        let create = try await Self.run(
            try TestEnvironment.redisCLIBinary(),
            ["--cluster", "create"] + ports.map { "127.0.0.1:\($0)" } + ["--cluster-replicas", "1", "--cluster-yes"])
        guard create.status == 0 else { throw TestFailure("redis-cli --cluster create failed: \(create.output.suffix(2000))") }
        try await waitUntilHealthy(within: .seconds(30))
    }

    /// Empties every master (FLUSHALL; the replicas follow).
    func flushAll() throws {
        for master in try masters() { try RawRedis.send(port: master.port, "FLUSHALL") }
    }

    // MARK: Moving slots

    /// Starts `redis-cli --cluster reshard`, moving `slots` slots and their keys (MIGRATE,
    /// `pipeline` keys at a time) from one master to another, in the background: the test runs
    /// its load meanwhile, then waits for it with ``finish(_:within:)``.
    func startReshard(slots: Int, from source: Node, to target: Node, pipeline: Int = 10) throws -> ManagedProcess {
        try ManagedProcess(
            URL(fileURLWithPath: try TestEnvironment.redisCLIBinary()),
            arguments: [
                "--cluster", "reshard", "127.0.0.1:\(source.port)", "--cluster-from", source.id, "--cluster-to", target.id,
                "--cluster-slots", String(slots), "--cluster-pipeline", String(pipeline), "--cluster-yes",
            ], name: "redis-cli-reshard")
    }

    /// Waits for a reshard to end and checks that it succeeded.
    func finish(_ reshard: ManagedProcess, within timeout: Duration = .seconds(120)) async throws {
        guard let status = await reshard.waitForExit(within: timeout) else {
            reshard.signal(SIGKILL)
            throw TestFailure("redis-cli --cluster reshard did not finish within \(timeout)")
        }
        guard status == 0 else { throw TestFailure("redis-cli --cluster reshard failed (exit \(status)): \(reshard.output.suffix(2000))") }
    }

    /// Moves slots until the masters serve about as many each (`redis-cli --cluster rebalance`).
    func rebalance() async throws {
        let result = try await Self.run(
            try TestEnvironment.redisCLIBinary(), ["--cluster", "rebalance", "127.0.0.1:\(ports[0])", "--cluster-yes"],
            within: .seconds(120))
        guard result.status == 0 else { throw TestFailure("redis-cli --cluster rebalance failed: \(result.output.suffix(2000))") }
    }

    // MARK: Hash slots

    /// The slot of a key as Redis Cluster computes it: CRC16-XMODEM of the key — or of its hash
    /// tag, what lies between the first `{` and the next `}` when that is not empty — modulo 16384.
    static func hashSlot(_ key: String) -> Int { hashSlot(Array(key.utf8)) }

    static func hashSlot(_ key: [UInt8]) -> Int {
        var hashed = key[...]
        if let open = key.firstIndex(of: UInt8(ascii: "{")), let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
            close > open + 1
        {
            hashed = key[(open + 1)..<close]
        }
        var crc: UInt16 = 0
        for byte in hashed {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return Int(crc & 0x3FFF)
    }

    // MARK: Helpers

    /// Runs a command to its end (within `timeout`); its status and output.
    static func run(
        _ executable: String, _ arguments: [String], within timeout: Duration = .seconds(60)
    ) async throws -> (
        status: Int32, output: String
    ) {
        let process = try ManagedProcess(URL(fileURLWithPath: executable), arguments: arguments)
        guard let status = await process.waitForExit(within: timeout) else {
            process.signal(SIGKILL)
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        return (status, process.output)
    }
}
