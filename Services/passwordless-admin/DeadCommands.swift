import ArgumentParser
import Foundation
import JobQueue
import PasswordlessCore
import PasswordlessStorage
import RedisClient

/// `passwordless-admin dead list | requeue (ID | --all) | purge`, each for every tenant or, with
/// `--tenant`, for one.
struct DeadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead", abstract: "Inspect and replay dead letters.", subcommands: [List.self, Requeue.self, Purge.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead letters, newest first (never the code).")
        @OptionGroup var scope: DeadLetterScope
        @Option(help: "At most this many.") var limit = 100
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let (tenants, only) = try await scope.tenants()
            // Without --tenant the newest `limit` are all it prints; with it, every letter is sifted.
            let letters = try await scope.store.withQueue { redis, layout in
                try await DeadLetters(redis: redis, layout: layout).list(limit: only == nil ? limit : DeliveryQueue.deadLetterCap)
            }
            for entry in letters.map(\.letter).filter({ only == nil || $0.job?.tenantID == only }).prefix(limit) {
                let tenant = entry.job.flatMap { tenants[$0.tenantID] }
                if json {
                    print(Output.jsonText(Line(entry, tenant: tenant)))
                } else {
                    print(
                        "\(entry.id)  \(tenant ?? "-")  \(entry.reason)  attempts=\(entry.attempts)  died=\(Self.iso(entry.diedAt))"
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
            Output.timestamp(Date(millisecondsSince1970: milliseconds))
        }

        /// One dead letter as `--json` prints it: `last_error` is null when there is none.
        struct Line: Encodable {
            var jobID, reason, diedAt: String
            var recipient, connectionID, createdAt, codeExpiresAt: String?
            /// The tenant's name; null for a malformed job or a tenant deleted since.
            var tenant: String?
            var attempts: Int
            var lastError: String?
            /// For a job that could not be decoded: its length and SHA-256, never its bytes.
            var rawLength: Int?
            var rawSHA256: String?

            init(_ entry: DeadLetter, tenant: String?) {
                (jobID, reason, diedAt, self.tenant) = (entry.id, entry.reason, List.iso(entry.diedAt), tenant)
                (recipient, connectionID) = (entry.job?.recipient, entry.job?.connectionID.uuidString.lowercased())
                (createdAt, codeExpiresAt) = (entry.job.map { List.iso($0.createdAt) }, entry.job.map { List.iso($0.codeExpiresAt) })
                (attempts, lastError) = (entry.attempts, entry.lastError)
                (rawLength, rawSHA256) = (entry.malformed?.length, entry.malformed?.sha256)
            }

            enum CodingKeys: String, CodingKey {
                case jobID = "job_id", tenant, recipient, connectionID = "connection_id", reason, attempts, lastError = "last_error"
                case createdAt = "created_at", diedAt = "died_at", codeExpiresAt = "code_expires_at"
                case rawLength = "raw_length", rawSHA256 = "raw_sha256"
            }

            /// Job fields and `last_error` are written as null when absent; the raw entry's facts
            /// only for a malformed job.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(jobID, forKey: .jobID)
                try container.encode(tenant, forKey: .tenant)
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
        @OptionGroup var scope: DeadLetterScope
        @Argument(help: "The job id (from dead list).") var id: String?
        @Flag(help: "Every dead job whose code is still live (of --tenant's, when given).") var all = false
        @Flag(help: "Print one JSON object: requeued, expired, malformed.") var json = false

        func validate() throws {
            guard (id == nil) != !all else { throw ValidationError("give a job id or --all") }
        }

        func run() async throws {
            let (id, all) = (self.id, self.all)
            let only = try await scope.tenants().only
            let counts = try await scope.store.withQueue(record: true) { redis, layout -> [DeadLetters.RequeueOutcome: Int] in
                let dead = DeadLetters(redis: redis, layout: layout)
                var counts: [DeadLetters.RequeueOutcome: Int] = [:]
                for listed in try await dead.list()
                where (all || listed.letter.id == id) && (only == nil || listed.letter.job?.tenantID == only) {
                    counts[try await dead.requeue(listed), default: 0] += 1
                }
                return counts
            }
            if let id, counts.isEmpty {
                throw AdminError("no dead letter for job \(id)\(scope.tenant.map { " of tenant \($0)" } ?? "")")
            }
            if let id, counts[.malformed] != nil {
                throw AdminError(
                    "dead letter \(id) is a malformed job that could not be decoded: it cannot be requeued (dead purge empties the list)")
            }
            let malformed = counts[.malformed].map { ", malformed (left dead): \($0)" } ?? ""
            Output.printOutcome(
                "requeued: \(counts[.requeued] ?? 0), code expired (left dead): \(counts[.expired] ?? 0)\(malformed)",
                fields: [("requeued", counts[.requeued] ?? 0), ("expired", counts[.expired] ?? 0), ("malformed", counts[.malformed] ?? 0)],
                json: json)
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the dead letters of one tenant (--tenant) or of all, in every partition (asks on a terminal).")
        @OptionGroup var scope: DeadLetterScope
        @OptionGroup var confirmation: Confirmation
        @Flag(help: "Print one JSON object: purged.") var json = false

        func run() async throws {
            let only = try await scope.tenants().only
            try confirmation.confirm(
                scope.tenant.map { "Delete every dead letter of tenant \($0)?" } ?? "Delete every dead letter of every tenant?")
            let purged = try await scope.store.withQueue { redis, layout in
                let dead = DeadLetters(redis: redis, layout: layout)
                guard let only else { return try await dead.purge() }
                return try await dead.purge(tenantID: only)
            }
            Output.printOutcome("purged: \(purged)", fields: [("purged", purged)], json: json)
        }
    }
}
