import Crypto
import PasswordlessCore

/// What the dead-letter list holds for one job: the job (its code still sealed), why it died,
/// how many attempts it had, the last error and when.
///
/// A job that could not be decoded has no `job`: ``malformed`` describes its raw bytes instead
/// (their length and SHA-256, never the bytes themselves), so the entry is still listed, counted
/// and purged like any other, and is never requeued.
public struct DeadLetter: Codable, Sendable, Equatable {
    public var job: SendJob?
    public var malformed: MalformedJob?
    public var reason: String
    public var attempts: Int
    public var lastError: String?
    public var diedAt: Int64

    /// The reason of every malformed job's dead letter.
    public static let malformedReason = "malformed"

    public init(job: SendJob, reason: String, attempts: Int, lastError: String?, diedAt: Int64) {
        self.job = job
        self.reason = reason
        self.attempts = attempts
        self.lastError = lastError
        self.diedAt = diedAt
    }

    /// The dead letter of bytes that are not a job.
    public init(malformed raw: [UInt8], diedAt: Int64) {
        self.malformed = MalformedJob(raw: raw)
        self.reason = Self.malformedReason
        self.attempts = 0
        self.lastError = "the job could not be decoded"
        self.diedAt = diedAt
    }

    /// The id operators name the entry by (`dead list`, `dead requeue ID`): the job's, or for a
    /// malformed job `malformed-` and the first 16 hex digits of its digest.
    public var id: String {
        job?.id ?? "malformed-" + (malformed?.sha256.prefix(16) ?? "unknown")
    }

    /// What is kept of a job that could not be decoded. Not its bytes: what cannot be decoded
    /// cannot be known to hold its code sealed (a foreign or older producer, a truncated write),
    /// and dead letters are listed to operators and kept for long. The length tells truncation
    /// from garbage; the digest matches the entry against a producer's logs or a Redis dump.
    public struct MalformedJob: Codable, Sendable, Equatable {
        public var length: Int
        /// SHA-256 of the raw bytes, lower-case hex.
        public var sha256: String

        public init(raw: [UInt8]) {
            length = raw.count
            sha256 = Hex.encode(SHA256.hash(data: raw))
        }
    }
}
