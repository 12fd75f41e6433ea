import ArgumentParser
import Foundation
import JobQueue
import RedisClient

/// `passwordless-admin queue stats [--json] [--watch]`.
struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Inspect the delivery queue.", subcommands: [Stats.self])

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Pending, processing (per worker), scheduled retries, dead letters and the oldest pending job's age, over all partitions; "
                + "each partition's numbers and the busiest tenants.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Print one JSON object (one per line with --watch).") var json = false
        @Flag(help: "Print again every --interval seconds until interrupted.") var watch = false
        @Option(help: "Seconds between two prints with --watch.") var interval: Double = 2

        func run() async throws {
            try await store.withQueue { redis, layout in
                repeat {
                    let stats = try await QueueStats.read(from: redis, layout: layout)
                    print(json ? Self.json(stats) : Self.text(stats))
                    if watch { try await Task.sleep(for: .milliseconds(Int(max(0.2, interval) * 1000))) }
                } while watch
            }
        }

        static func json(_ stats: QueueStats) -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: (try? encoder.encode(stats)) ?? Data(), as: UTF8.self)
        }

        static func text(_ stats: QueueStats) -> String {
            var lines = [
                "pending:     \(stats.pending)", "processing:  \(stats.processing)", "scheduled:   \(stats.scheduled)",
                "dead:        \(stats.dead)", String(format: "oldest pending age: %.1fs", stats.oldestPendingAgeSeconds),
            ]
            for worker in stats.workers {
                lines.append("  worker \(worker.id): \(worker.processing) processing\(worker.alive ? "" : " (heartbeat expired)")")
            }
            if !stats.busiestTenants.isEmpty {
                lines.append("busiest tenants (pending):")
                for depth in stats.busiestTenants { lines.append("  \(depth.tenant): \(depth.pending)") }
                if stats.otherTenantsPending > 0 { lines.append("  other: \(stats.otherTenantsPending)") }
            }
            lines.append("partitions (pending/processing/scheduled/dead, tenants with work):")
            for partition in stats.partitions {
                lines.append(
                    "  \(partition.index): \(partition.pending)/\(partition.processing)/\(partition.scheduled)/\(partition.dead), "
                        + "\(partition.tenants) tenant\(partition.tenants == 1 ? "" : "s")")
            }
            if !stats.legacy.isEmpty {
                let legacy = stats.legacy
                lines.append(
                    "before partitions (pl:{queue}:…, being drained): \(legacy.pending)/\(legacy.processing)/\(legacy.scheduled)/\(legacy.dead)"
                )
            }
            return lines.joined(separator: "\n")
        }
    }
}
