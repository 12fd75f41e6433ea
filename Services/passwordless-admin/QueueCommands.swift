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

/// `passwordless-admin dead list | requeue (ID | --all) | purge`.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead", abstract: "Inspect and replay dead letters.", subcommands: [List.self, Requeue.self, Purge.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, newest first (never the code).")
        @OptionGroup var store: StoreOptions
        @Option(help: "At most this many.") var limit = 100
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let letters = try await store.withQueue { redis, layout in
                try await DeadLetters(redis: redis, layout: layout).list(limit: limit)
            }
            for entry in letters.map(\.letter) {
                if json {
                    print(Output.jsonText(Line(entry)))
                } else {
                    print(
                        "\(entry.id)  \(entry.reason)  attempts=\(entry.attempts)  died=\(Self.iso(entry.diedAt))"
                            + "  \(Self.detail(entry))")
                }
            }
        }

        /// One entry's JSON fields; a malformed job's have no recipient, connection or times of
        /// its own (null), but the length and digest of its raw bytes.
        /// The text line's last column: the last error, and for a malformed job what is known of its bytes.
        static func detail(_ entry: DeadLetter) -> String {
            guard let malformed = entry.malformed else { return entry.lastError ?? "" }
            return "\(entry.lastError ?? "")  (\(malformed.length) bytes, sha256 \(malformed.sha256))"
        }

        static func iso(_ milliseconds: Int64) -> String {
            ISO8601DateFormatter().string(from: Date(millisecondsSince1970: milliseconds))
        }

        /// One dead letter as `--json` prints it: `last_error` is null when there is none.
        struct Line: Encodable {
            var jobID, reason, diedAt: String
            var recipient, connectionID, createdAt, codeExpiresAt: String?
            var attempts: Int
            var lastError: String?
            /// For a job that could not be decoded: its length and SHA-256, never its bytes.
            var rawLength: Int?
            var rawSHA256: String?

            init(_ entry: DeadLetter) {
                (jobID, reason, diedAt) = (entry.id, entry.reason, List.iso(entry.diedAt))
                (recipient, connectionID) = (entry.job?.recipient, entry.job?.connectionID.uuidString.lowercased())
                (createdAt, codeExpiresAt) = (entry.job.map { List.iso($0.createdAt) }, entry.job.map { List.iso($0.codeExpiresAt) })
                (attempts, lastError) = (entry.attempts, entry.lastError)
                (rawLength, rawSHA256) = (entry.malformed?.length, entry.malformed?.sha256)
            }

            enum CodingKeys: String, CodingKey {
                case jobID = "job_id", recipient, connectionID = "connection_id", reason, attempts, lastError = "last_error"
                case createdAt = "created_at", diedAt = "died_at", codeExpiresAt = "code_expires_at"
                case rawLength = "raw_length", rawSHA256 = "raw_sha256"
            }

            /// Job fields and `last_error` are written as null when absent; the raw entry's facts
            /// only for a malformed job.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(jobID, forKey: .jobID)
                try container.encode(recipient, forKey: .recipient)
                try container.encode(connectionID, forKey: .connectionID)
                try container.encode(reason, forKey: .reason)
                try container.encode(attempts, forKey: .attempts)
                try container.encode(lastError, forKey: .lastError)
                try container.encode(createdAt, forKey: .createdAt)
                try container.encode(diedAt, forKey: .diedAt)
                try container.encode(codeExpiresAt, forKey: .codeExpiresAt)
                try container.encodeIfPresent(rawLength, forKey: .rawLength)
                try container.encodeIfPresent(rawSHA256, forKey: .rawSHA256)
            }
        }
    }

    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send dead jobs again (only those whose code is still live; the others stay).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The job id (from dead list).") var id: String?
        @Flag(help: "Every dead job whose code is still live.") var all = false

        func validate() throws {
            guard (id == nil) != !all else { throw ValidationError("give a job id or --all") }
        }

        func run() async throws {
            let (id, all) = (self.id, self.all)
            let counts = try await store.withQueue(record: true) { redis, layout -> [DeadLetters.RequeueOutcome: Int] in
                let dead = DeadLetters(redis: redis, layout: layout)
                var counts: [DeadLetters.RequeueOutcome: Int] = [:]
                for listed in try await dead.list() where all || listed.letter.id == id {
                    counts[try await dead.requeue(listed), default: 0] += 1
                }
                return counts
            }
            if let id, counts.isEmpty { throw ValidationError("no dead letter for job \(id)") }
            if let id, counts[.malformed] != nil {
                throw AdminError(
                    "dead letter \(id) is a malformed job that could not be decoded: it cannot be requeued (dead purge empties the list)")
            }
            let malformed = counts[.malformed].map { ", malformed (left dead): \($0)" } ?? ""
            print("requeued: \(counts[.requeued] ?? 0), code expired (left dead): \(counts[.expired] ?? 0)\(malformed)")
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every dead letter, in every partition.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let purged = try await store.withQueue { redis, layout in try await DeadLetters(redis: redis, layout: layout).purge() }
            print("purged: \(purged)")
        }
    }
}
