import Foundation
import PasswordlessStorage

/// One line of the results table.
struct Row {
    /// The raw limit a measurement is compared with.
    enum Limit: String, CaseIterable {
        case postgres = "PostgreSQL upserts/s"
        case redis = "Redis commands/s"
        case rs256 = "RS256 signatures/s, 1 core"
        case es256 = "ES256 signatures/s, 1 core"
    }

    var name: String
    var rate: Double
    var p50: Double?
    var p99: Double?
    var target: String
    var met: Bool
    var limit: Limit?
    /// CPU microseconds per request or delivery, by part of the system.
    var cpuPerOperation: [String: Double] = [:]
    /// Said after the rate in the result column (the dispatcher's peak RSS).
    var detail: String?
    /// The peer's figure for the same measurement, when it has one and it was measured.
    var peer: PeerFigure?
    /// Why the peer column is empty (it has no such part, or could not be measured).
    var peerNote: String?
    /// The target's part that is a multiple of the peer's rate (the new users' start: 12).
    var minimumPeerRatio: Double?
    /// False for a row measured only to explain another (it has no target of its own).
    var hasTarget = true

    /// "yes", "**no**", "?" when everything else was met but the peer, whose multiple the
    /// target asks for, was not measured, or "–" for a row without a target.
    var verdict: String {
        guard hasTarget else { return "–" }
        guard met else { return "**no**" }
        guard let minimumPeerRatio else { return "yes" }
        guard let peer, peer.rate > 0 else { return "?" }
        return rate / peer.rate >= minimumPeerRatio ? "yes" : "**no**"
    }

    init(name: String, rate: Double, p50: Double? = nil, p99: Double? = nil, target: String, met: Bool, limit: Limit? = nil) {
        self.name = name
        self.rate = rate
        self.p50 = p50
        self.p99 = p99
        self.target = target
        self.met = met
        self.limit = limit
    }

    /// A closed-loop run: its rate of 2xx answers and its latency percentiles. A run with any
    /// answer other than 2xx, or any transport failure, does not meet its target.
    init(name: String, load: LoadResult, minimumRate: Double, maximumP99: Double, target: String, limit: Limit?) {
        let p99 = percentile(load.latencies, 99)
        self.init(
            name: name, rate: load.throughput, p50: percentile(load.latencies, 50), p99: p99, target: target,
            met: load.throughput >= minimumRate && p99 <= maximumP99 && load.succeeded == load.answered && load.failures == 0, limit: limit)
        cpuPerOperation = load.cpuPerRequest
    }
}

/// The peer's result for one measurement: the same load (``HTTPLoad``, connections, warm-up and
/// window) against its equivalent route.
struct PeerFigure {
    var rate: Double
    var p99: Double
    /// Answers other than 2xx, and transport failures.
    var errors: Int
    var cpuPerRequest: [String: Double]
    /// The peer's route and load, for its line of the CPU table.
    var label = ""

    init(_ load: LoadResult) {
        rate = load.throughput
        p99 = percentile(load.latencies, 99)
        errors = load.answered - load.succeeded + load.failures
        cpuPerRequest = load.cpuPerRequest
    }

    /// The peer column's cell: its rate and p99, and its errors if it had any.
    var cell: String {
        "\(Run.rate(rate))/s, p99 \(Run.ms(p99))" + (errors > 0 ? ", \(errors.formatted()) errors" : "")
    }
}

extension Run {
    /// Measures the raw limits (with the services stopped) and renders the tables.
    func report() async throws -> String {
        log("raw limits: redis-benchmark, pgbench, signing")
        var limits: [Row.Limit: Double] = [:]
        limits[.redis] = try RawLimits.redisCommandsPerSecond(url: options.redisURL)
        limits[.postgres] = try RawLimits.postgresUpsertsPerSecond(database: database, transactionsPerClient: 3000, clients: 20)
        limits[.rs256] = try await RawLimits.signaturesPerSecond("RS256")
        limits[.es256] = try await RawLimits.signaturesPerSecond("ES256")

        let peerName = "peer: \(options.peerName)"
        var lines = [
            "| measurement | result | p50 | p99 | target | met | \(peerName) | × peer | raw limit (same run) | ratio |",
            "|---|---:|---:|---:|---|:-:|---|---:|---|---:|",
        ]
        for row in rows {
            let limit = row.limit.flatMap { limit in limits[limit].map { (limit, $0) } }
            let peerCell = row.peer?.cell ?? row.peerNote ?? ""
            let peerRatio = row.peer.map { $0.rate > 0 ? String(format: "%.1f×", row.rate / $0.rate) : "–" } ?? ""
            let result = Self.rate(row.rate) + (row.detail.map { " (\($0))" } ?? "")
            lines.append(
                "| \(row.name) | \(result) | \(Self.ms(row.p50)) | \(Self.ms(row.p99)) | \(row.target) | \(row.verdict) | "
                    + "\(peerCell) | \(peerRatio) | "
                    + (limit.map { "\(Self.rate($0.1)) \($0.0.rawValue)" } ?? "") + " | "
                    + (limit.map { String(format: "%.2f", row.rate / $0.1) } ?? "") + " |")
        }
        let profiled = rows.filter { !$0.cpuPerOperation.isEmpty }
        if !profiled.isEmpty {
            let parts = CPUAccounting.parts.map(\.name)
            lines += [
                "",
                "CPU per request or delivery, µs, by process (the machine has \(ProcessInfo.processInfo.activeProcessorCount) cores, "
                    + "so a total of T µs caps the rate near \(ProcessInfo.processInfo.activeProcessorCount),000,000 / T):",
                "", "| measurement | " + parts.joined(separator: " | ") + " | total |",
                "|---|" + String(repeating: "---:|", count: parts.count + 1),
            ]
            for row in profiled {
                let values = parts.map { row.cpuPerOperation[$0].map { String(format: "%.0f", $0) } ?? "–" }
                let total = row.cpuPerOperation.values.reduce(0, +)
                lines.append("| \(row.name) | " + values.joined(separator: " | ") + String(format: " | %.0f |", total))
            }
            // The peer's own runs, once each (the two token rows share one).
            var seen: Set<String> = []
            for row in profiled {
                guard let peer = row.peer, !peer.cpuPerRequest.isEmpty, seen.insert(peer.cell).inserted else { continue }
                let values = parts.map { peer.cpuPerRequest[$0].map { String(format: "%.0f", $0) } ?? "–" }
                let total = peer.cpuPerRequest.values.reduce(0, +)
                lines.append(
                    "| \(peerName), \(peer.label) | " + values.joined(separator: " | ") + String(format: " | %.0f |", total))
            }
        }
        lines += ["", "| service | RSS idle | peak RSS under load | target | met |", "|---|---:|---:|---|:-:|"]
        for name in ["passwordless-gateway", "passwordless-token", "passwordless-dispatcher"] {
            let idle = idleMemory[name] ?? .nan
            let peak = peakMemory[name] ?? .nan
            let met = idle * 1.048576 <= 64 && peak * 1.048576 <= 256
            lines.append(
                "| \(name) | " + String(format: "%.1f MiB | %.1f MiB", idle, peak)
                    + " | ≤ 64 MB idle, ≤ 256 MB under load | \(met ? "yes" : "**no**") |")
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        lines += [
            "",
            "\(cores) cores; PostgreSQL, Redis, the services and the load generator on this one machine; \(options.connections) connections; "
                + "\(options.duration) s measured after \(options.warmup) s of warm-up; each service one process, release build.",
        ]
        if let reason = options.peerUnavailable {
            lines += ["", "The peer (\(options.peerName)) was not measured: \(reason)."]
        } else if options.peerPort != nil {
            lines += [
                "", "The peer: \(options.peerDescription ?? options.peerName), on the same machine, driven by the same load generator.",
            ]
        }
        lines += notes.map { "Note: \($0)." }
        return lines.joined(separator: "\n")
    }

    static func rate(_ value: Double) -> String { value.isFinite ? Int(value.rounded()).formatted() : "–" }
    static func ms(_ value: Double?) -> String { value.map { $0.isFinite ? String(format: "%.1f ms", $0) : "–" } ?? "" }
}
