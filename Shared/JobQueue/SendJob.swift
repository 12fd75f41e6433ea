import Foundation
import PasswordlessCore

/// One message to deliver, as it travels through the Redis queue — or, when ``event`` is set,
/// one signed hook event to post (see ``HookEventJob``): both kinds share the queue, its retries
/// and its dead letters.
///
/// The code inside is sealed with AES-GCM under the job-seal key and bound to the job id, so a
/// dump of Redis reveals no live code; everything else is plain so operators can inspect jobs.
public struct SendJob: Codable, Sendable, Equatable {
    public var id: String
    public var tenantID: UUID
    public var connectionID: UUID
    public var clientID: String
    /// The application's name, for `@@application.name@@`.
    public var applicationName: String
    /// The E.164 number or the email address.
    public var recipient: String
    /// The code, sealed (base64).
    public var sealedCode: String
    /// The sign-in link (`send: "link"`), sealed like the code because it carries it; nil for a
    /// code alone. Jobs queued before links existed decode with none.
    public var sealedLink: String?
    /// When the code stops working, in milliseconds since 1970: a job is never sent after that.
    public var codeExpiresAt: Int64
    public var createdAt: Int64
    public var attempts: Int
    /// The message's language, as the gateway resolved it (``MessageLanguage``): a supported,
    /// normalised BCP 47 tag. Nil in jobs queued before languages existed (rendered in the
    /// connection's default language).
    public var language: String?
    /// The send-rate token reserved for this job (ms since 1970, Redis' clock) when its
    /// connection's send rate made it wait: taken again, it is sent without taking another.
    /// Only a send-rate deferral sets it; any attempt's end clears it.
    public var sendSlot: Int64?
    /// The hook event this job posts instead of a message; nil for a message (and for every job
    /// queued before events existed).
    public var event: HookEventJob?

    public init(
        id: String = UUID().uuidString.lowercased(), tenantID: UUID, connectionID: UUID, clientID: String, applicationName: String,
        recipient: String, sealedCode: String, sealedLink: String? = nil, codeExpiresAt: Int64, createdAt: Int64, attempts: Int = 0,
        language: String? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.connectionID = connectionID
        self.clientID = clientID
        self.applicationName = applicationName
        self.recipient = recipient
        self.sealedCode = sealedCode
        self.sealedLink = sealedLink
        self.codeExpiresAt = codeExpiresAt
        self.createdAt = createdAt
        self.attempts = attempts
        self.language = language
    }

    /// The sealing context: a sealed code opens only inside its own job.
    public static func sealingContext(jobID: String) -> String { "job:\(jobID)" }

    /// The link's sealing context: a sealed link opens only inside its own job, and never as a code.
    public static func linkSealingContext(jobID: String) -> String { "job-link:\(jobID)" }

    /// A job for `code` (and, for `send: "link"`, the sign-in `link`), sealed.
    public static func make(
        code: String, link: String? = nil, box: SecretBox, tenantID: UUID, connectionID: UUID, clientID: String, applicationName: String,
        recipient: String, expiresAt: Date, language: String? = nil, now: Date = Date()
    ) -> SendJob {
        let id = UUID().uuidString.lowercased()
        let sealed = Data(box.seal(code, context: sealingContext(jobID: id))).base64EncodedString()
        let sealedLink = link.map { Data(box.seal($0, context: linkSealingContext(jobID: id))).base64EncodedString() }
        return SendJob(
            id: id, tenantID: tenantID, connectionID: connectionID, clientID: clientID, applicationName: applicationName,
            recipient: recipient, sealedCode: sealed, sealedLink: sealedLink, codeExpiresAt: expiresAt.millisecondsSince1970,
            createdAt: now.millisecondsSince1970, language: language)
    }

    /// The code, opened.
    public func code(box: SecretBox) throws -> String {
        guard let sealed = Data(base64Encoded: sealedCode) else { throw SecretBoxError.malformed }
        return try box.openString(Array(sealed), context: Self.sealingContext(jobID: id))
    }

    /// The sign-in link, opened; nil when the job sends a code alone.
    public func link(box: SecretBox) throws -> String? {
        guard let sealedLink else { return nil }
        guard let sealed = Data(base64Encoded: sealedLink) else { throw SecretBoxError.malformed }
        return try box.openString(Array(sealed), context: Self.linkSealingContext(jobID: id))
    }

    public func encoded() -> [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data()) }

    public static func decode(_ bytes: [UInt8]) throws -> SendJob { try JSONDecoder().decode(SendJob.self, from: Data(bytes)) }
}

extension Date {
    public var millisecondsSince1970: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
    public init(millisecondsSince1970 ms: Int64) { self.init(timeIntervalSince1970: Double(ms) / 1000) }
}
