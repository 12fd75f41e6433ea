import Foundation

/// A tenant's event hook: where signed event POSTs go and which events it wants.
///
/// The signing secret is stored sealed under the secrets-at-rest key (like connection
/// credentials) and shown to the operator once, when the hook is created.
public struct Hook: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    /// An absolute `http` or `https` URL.
    public var url: String
    public var events: [HookEventType]
    /// The secret (``HookSecret``), sealed with ``sealingContext``.
    public var sealedSecret: [UInt8]
    public var createdAt: Date

    public init(id: UUID, tenantID: UUID, url: String, events: [HookEventType], sealedSecret: [UInt8], createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.url = url
        self.events = events
        self.sealedSecret = sealedSecret
        self.createdAt = createdAt
    }

    /// The context string the secret is sealed under: a sealed secret opens only for its hook.
    public var sealingContext: String { Self.sealingContext(id: id) }

    public static func sealingContext(id: UUID) -> String { "hook:\(id.uuidString.lowercased())" }

    /// Whether the hook wants events of `type`.
    public func subscribes(to type: HookEventType) -> Bool { events.contains(type) }

    /// Whether `text` is an absolute `http`/`https` URL with a host, as a hook's URL must be.
    public static func isValidURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return false }
        return true
    }
}

/// The events a hook can subscribe to: a fixed set, so it is also the label set of the event
/// metrics.
public enum HookEventType: String, Sendable, CaseIterable, Codable, Comparable {
    /// A code (or link) was issued and its message queued.
    case verificationPending = "verification.pending"
    /// A code or link was exchanged successfully (and spent).
    case verificationApproved = "verification.approved"
    /// A wrong code was tried (or the try locked the recipient out).
    case verificationFailed = "verification.failed"
    /// A code's lifetime ended unused; reported within a minute.
    case verificationExpired = "verification.expired"
    /// The provider accepted a message.
    case deliverySent = "delivery.sent"
    /// A delivery attempt failed and will be retried.
    case deliveryFailed = "delivery.failed"
    /// A message was dead-lettered: it will not be sent.
    case deliveryDead = "delivery.dead"

    public static func < (lhs: Self, rhs: Self) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// `verification.pending,delivery.sent` → the types, each once, in the order of `allCases`;
    /// `*` or `all` → every type. An unknown name fails with the first one.
    public static func parseList(_ text: String) -> Result<[HookEventType], UnknownEventType> {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names == ["*"] || names == ["all"] { return .success(allCases) }
        var types: Set<HookEventType> = []
        for name in names {
            guard let type = HookEventType(rawValue: name) else { return .failure(UnknownEventType(name: name)) }
            types.insert(type)
        }
        return .success(types.sorted())
    }

    /// An event name that is none of the seven.
    public struct UnknownEventType: Error, Equatable {
        public var name: String

        public init(name: String) { self.name = name }
    }
}
