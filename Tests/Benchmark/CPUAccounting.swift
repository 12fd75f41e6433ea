import Foundation

/// CPU time used by each part of the system, read from `/proc/<pid>/stat` (user + system, all
/// threads): the profile that says which process a throughput is spent in.
struct CPUAccounting {
    /// The parts, by process name (`comm`, which Linux cuts to 15 characters). The peer has no
    /// name of its own (its workers are Python processes): it is the process `peerRoot` given to
    /// ``snapshot(peerRoot:)`` (the gunicorn master) and its children.
    static let parts: [(name: String, comm: String)] = [
        ("gateway", "passwordless-ga"), ("token", "passwordless-to"), ("dispatcher", "passwordless-di"),
        ("PostgreSQL", "postgres"), ("Redis", "redis-server"), ("load + provider", "passwordless-be"), (peer, ""),
    ]
    static let peer = "peer"

    /// Seconds of CPU by part, for every process alive now.
    static func snapshot(peerRoot: Int32? = nil) -> [String: Double] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var seconds: [String: Double] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in entries where pid.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let comm = String(stat[stat.index(after: open)..<close])
            // After "(comm) ": state is field 3, ppid field 4; utime and stime are fields 14 and 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            let name: String
            if let peerRoot, Int32(pid) == peerRoot || Int32(fields[1]) == peerRoot {
                name = peer
            } else if let part = parts.first(where: { !$0.comm.isEmpty && $0.comm == comm }) {
                name = part.name
            } else {
                continue
            }
            seconds[name, default: 0] += (user + system) / ticks
        }
        return seconds
    }

    /// Microseconds of CPU per operation, by part, between two snapshots.
    static func perOperation(from before: [String: Double], to after: [String: Double], operations: Int) -> [String: Double] {
        guard operations > 0 else { return [:] }
        var result: [String: Double] = [:]
        for part in parts {
            let used = (after[part.name] ?? 0) - (before[part.name] ?? 0)
            if used > 0.001 { result[part.name] = used / Double(operations) * 1_000_000 }
        }
        return result
    }
}
