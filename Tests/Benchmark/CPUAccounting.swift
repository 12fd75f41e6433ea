import Foundation

/// CPU time used by each part of the system, read from `/proc/<pid>/stat` (user + system, all
/// threads): the profile that says which process a throughput is spent in.
struct CPUAccounting {
    /// The parts, by process name (`comm`, which Linux cuts to 15 characters).
    static let parts: [(name: String, comm: String)] = [
        ("gateway", "passwordless-ga"), ("token", "passwordless-to"), ("dispatcher", "passwordless-di"),
        ("PostgreSQL", "postgres"), ("Redis", "redis-server"), ("load + provider", "passwordless-be"), (peer, ""),
    ]
    static let peer = "peer"

    /// Which processes are the run's own, so that a neighbour's processes of the same name (other
    /// worktrees' services, databases and builds on a shared machine) are not counted: `pids`
    /// are parts by process id, `parents` parts whose processes are the children of one (the
    /// PostgreSQL postmaster, gunicorn's master) as well as it. A part found in neither is
    /// counted by its name (`comm`), as every part was before.
    struct Owned {
        var pids: [Int32: String] = [:]
        var parents: [Int32: String] = [:]
        /// Parts counted by process id only (a service stopped between two snapshots is not
        /// replaced by a neighbour's of the same name).
        var identified: Set<String> = []
    }

    /// Seconds of CPU by part, for every process alive now.
    static func snapshot(_ owned: Owned = Owned()) -> [String: Double] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let identified = owned.identified.union(owned.pids.values).union(owned.parents.values)
        var seconds: [String: Double] = [:]
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in entries where pid.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"), let id = Int32(pid)
            else { continue }
            let comm = String(stat[stat.index(after: open)..<close])
            // After "(comm) ": state is field 3, ppid field 4; utime and stime are fields 14 and 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            let name: String
            if let part = owned.pids[id] ?? owned.parents[id] ?? Int32(fields[1]).flatMap({ owned.parents[$0] }) {
                name = part
            } else if let part = parts.first(where: { !$0.comm.isEmpty && $0.comm == comm && !identified.contains($0.name) }) {
                name = part.name
            } else {
                continue
            }
            seconds[name, default: 0] += (user + system) / ticks
        }
        return seconds
    }

    /// The parent of process `pid` (0 when it cannot be read).
    static func parent(of pid: Int32) -> Int32 {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else {
            return 0
        }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) ?? 0 : 0
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
