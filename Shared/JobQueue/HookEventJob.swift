import Foundation
import PasswordlessCore

/// What a job carries when it posts a hook event rather than sending a message.
///
/// The body is fixed when the event is emitted: every attempt posts the same bytes (receivers
/// de-duplicate on the event `id`), only the signature's timestamp changes. It holds no code,
/// no link and no full recipient, so it travels unsealed.
public struct HookEventJob: Codable, Sendable, Equatable {
    public var hookID: UUID
    public var eventID: String
    public var type: HookEventType
    /// The JSON body, exactly as posted.
    public var body: String

    public init(hookID: UUID, eventID: String, type: HookEventType, body: String) {
        self.hookID = hookID
        self.eventID = eventID
        self.type = type
        self.body = body
    }
}

extension SendJob {
    /// How long an event job may keep trying: its deadline plays the part a code's expiry plays
    /// for a message (a job past it is dead-lettered as `expired`).
    public static let eventLifetime: TimeInterval = 24 * 3600

    /// A job that posts `event` to its hook. The message fields are empty (the connection field
    /// holds the hook's id, so operators see where a dead event was going).
    public static func posting(_ event: HookEventJob, tenantID: UUID, now: Date = Date()) -> SendJob {
        var job = SendJob(
            tenantID: tenantID, connectionID: event.hookID, clientID: "", applicationName: "", recipient: "", sealedCode: "",
            codeExpiresAt: now.addingTimeInterval(eventLifetime).millisecondsSince1970, createdAt: now.millisecondsSince1970)
        job.event = event
        return job
    }
}
