import Foundation
import RedisClient

/// The recent deliveries of a tenant (`passwordless-admin deliveries list`): one entry per
/// finished delivery attempt, newest first, capped, in a Redis list of its own
/// (`pl:{deliveries:<tenant id>}`). Entries hold the masked recipient and never the code.
public enum DeliveryLog {
    /// Entries kept per tenant.
    public static let cap = 1000

    /// One finished attempt.
    public struct Entry: Codable, Sendable, Equatable {
        /// When the attempt ended, ms since 1970.
        public var time: Int64
        public var jobID: String
        public var connection: String
        /// ``PasswordlessCore/RecipientMask``ed.
        public var recipient: String
        public var provider: String
        /// `delivered`, `retry` or `dead`.
        public var outcome: String
        public var attempts: Int
        public var providerMessageID: String?

        public init(
            time: Int64, jobID: String, connection: String, recipient: String, provider: String, outcome: String, attempts: Int,
            providerMessageID: String?
        ) {
            self.time = time
            self.jobID = jobID
            self.connection = connection
            self.recipient = recipient
            self.provider = provider
            self.outcome = outcome
            self.attempts = attempts
            self.providerMessageID = providerMessageID
        }

        enum CodingKeys: String, CodingKey {
            case time, connection, recipient, provider, outcome, attempts
            case jobID = "job_id"
            case providerMessageID = "provider_message_id"
        }
    }

    public static func key(tenant: UUID) -> String { "pl:{deliveries:\(tenant.uuidString.lowercased())}" }

    /// The commands that record `entries` (oldest first): one push, so the newest ends first,
    /// then the trim to ``cap``.
    public static func record(_ entries: [Entry], tenant: UUID) -> [RedisCommand] {
        let values: [any RedisArgument] = entries.map { (try? JSONEncoder().encode($0)).map { Array($0) } ?? [] }
        return [
            RedisCommand("LPUSH", arguments: [key(tenant: tenant) as any RedisArgument] + values),
            RedisCommand("LTRIM", key(tenant: tenant), 0, cap - 1),
        ]
    }

    /// The newest `limit` entries of the tenant, newest first (entries that do not decode are skipped).
    public static func read(tenant: UUID, limit: Int, redis: RedisClient) async throws(RedisError) -> [Entry] {
        let reply = try await redis.send(RedisCommand("LRANGE", key(tenant: tenant), 0, max(0, limit - 1))).throwingServerError()
        return (reply.array ?? []).compactMap { $0.bytes.flatMap { try? JSONDecoder().decode(Entry.self, from: Data($0)) } }
    }
}
