import Foundation
import PasswordlessCore

/// The `data` of an event: what a receiver needs to act on it, and nothing that would let it
/// sign someone in — never the code, the link or the full recipient (``RecipientMask``).
public struct EventData: Codable, Sendable, Equatable {
    /// The connection's name (`sms`, `email`, …).
    public var connection: String?
    /// `sms` or `email`.
    public var channel: String?
    /// The user's `sub` (`<connection>|<user id>`), where known.
    public var userID: String?
    /// The masked recipient.
    public var recipient: String?
    /// The send job the event is about.
    public var jobID: String?
    public var provider: String?
    public var providerMessageID: String?
    /// Delivery attempts made so far.
    public var attempts: Int?
    /// Why a delivery or a check failed (a provider's reason, with the recipient masked; or
    /// `wrong`, `exhausted`, `locked` for a code check).
    public var reason: String?

    public init(
        connection: String? = nil, channel: String? = nil, userID: String? = nil, recipient: String? = nil, jobID: String? = nil,
        provider: String? = nil, providerMessageID: String? = nil, attempts: Int? = nil, reason: String? = nil
    ) {
        self.connection = connection
        self.channel = channel
        self.userID = userID
        self.recipient = recipient
        self.jobID = jobID
        self.provider = provider
        self.providerMessageID = providerMessageID
        self.attempts = attempts
        self.reason = reason
    }

    /// The data of an event about `recipient` on `connection`: the recipient masked.
    public init(connection: Connection, recipient: String, userID: String? = nil) {
        self.init(
            connection: connection.name, channel: connection.strategy.rawValue, userID: userID.map { "\(connection.name)|\($0)" },
            recipient: RecipientMask.mask(recipient))
    }

    enum CodingKeys: String, CodingKey {
        case connection, channel, recipient, provider, attempts, reason
        case userID = "user_id"
        case jobID = "job_id"
        case providerMessageID = "provider_message_id"
    }
}

/// One event as its body is posted: `{"id","type","created_at","tenant","data"}`.
public struct EventBody: Codable, Sendable, Equatable {
    /// `evt_` and 32 hex digits; the same on every attempt and for every hook of the event.
    public var id: String
    public var type: HookEventType
    /// ISO 8601, UTC, in seconds.
    public var createdAt: String
    /// The tenant's id (lower-case UUID).
    public var tenant: String
    public var data: EventData

    public init(id: String = EventBody.newID(), type: HookEventType, createdAt: Date = Date(), tenant: UUID, data: EventData) {
        self.id = id
        self.type = type
        self.createdAt = ISO8601DateFormatter().string(from: createdAt)
        self.tenant = tenant.uuidString.lowercased()
        self.data = data
    }

    public static func newID() -> String { "evt_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "") }

    /// Compact JSON with sorted keys: the bytes every attempt posts.
    public func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    enum CodingKeys: String, CodingKey {
        case id, type, tenant, data
        case createdAt = "created_at"
    }
}
