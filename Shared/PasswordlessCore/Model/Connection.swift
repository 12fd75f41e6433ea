import Foundation

/// A tenant's way of sending codes: a strategy (SMS or email), a provider and its settings.
public struct Connection: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable, Codable {
        case sms, email
    }

    public enum Provider: String, Sendable, CaseIterable, Codable {
        case twilio, smtp, webhook, outbox
    }

    public var id: UUID
    public var tenantID: UUID
    /// What clients send as `connection` / `realm`: `sms` or `email` unless named otherwise.
    public var name: String
    public var strategy: Strategy
    public var provider: Provider
    public var settings: ProviderSettings
    /// ``ProviderSecrets`` as JSON, sealed under the secrets-at-rest key.
    public var sealedCredentials: [UInt8]?
    /// The message, with `@@password@@` (or `{{code}}`) for the code; a default when nil. For
    /// email it is the text part.
    public var template: String?
    /// The HTML part of an email, with the same placeholders as ``template`` (values are
    /// HTML-escaped); when nil, ``template`` turned into HTML, or the default email.
    public var htmlTemplate: String?
    /// The email subject; a default when nil.
    public var subject: String?
    public var codeLength: Int
    public var codeTTLSeconds: Int
    public var disableSignup: Bool
    public var limits = ConnectionLimits()
    /// The language the connection's own ``template``, ``subject`` and ``htmlTemplate`` are
    /// written in, and the language of last resort (``MessageLanguage``); nil: not said.
    public var defaultLanguage: String?
    /// Templates per language (`connection template set`), by normalised tag.
    public var templates: [String: ConnectionTemplate] = [:]

    public init(
        id: UUID, tenantID: UUID, name: String, strategy: Strategy, provider: Provider, settings: ProviderSettings,
        sealedCredentials: [UInt8]?, template: String?, subject: String?, codeLength: Int, codeTTLSeconds: Int, disableSignup: Bool
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.strategy = strategy
        self.provider = provider
        self.settings = settings
        self.sealedCredentials = sealedCredentials
        self.template = template
        self.subject = subject
        self.codeLength = codeLength
        self.codeTTLSeconds = codeTTLSeconds
        self.disableSignup = disableSignup
    }

    /// The context string the credentials are sealed under.
    public var sealingContext: String { "connection:\(id.uuidString.lowercased())" }

    /// Whether the connection has a message of its own (besides per-language templates).
    public var hasOwnMessage: Bool { template != nil || subject != nil || htmlTemplate != nil }

    public static let defaultSMSTemplate = DefaultMessages.english.smsTemplate
    public static let defaultEmailTemplate = DefaultMessages.english.codeEmailText
    public static let defaultSubject = DefaultMessages.english.codeSubject
}

/// The non-secret settings of a connection's provider (stored as JSON).
public struct ProviderSettings: Sendable, Equatable, Codable {
    /// Twilio's Account SID (`AC…`).
    public var twilioAccountSID: String?
    /// The sender: a phone number for Twilio, an address for SMTP, a name for webhooks.
    public var from: String?
    /// Twilio's Messaging Service SID (`MG…`), instead of `from`.
    public var messagingServiceSID: String?
    /// Twilio's API base URL; Twilio's own when nil (tests point it at a local server).
    public var twilioBaseURL: String?
    /// `smtp://host:port` or `smtps://host:port`.
    public var smtpURL: String?
    public var smtpUser: String?
    /// Whether SMTP must use TLS (STARTTLS); otherwise it is used when the server offers it.
    public var smtpRequireTLS: Bool?
    public var webhookURL: String?
    /// Where the outbox provider appends messages (local development).
    public var outboxFile: String?

    public init(
        twilioAccountSID: String? = nil, from: String? = nil, messagingServiceSID: String? = nil, twilioBaseURL: String? = nil,
        smtpURL: String? = nil, smtpUser: String? = nil, smtpRequireTLS: Bool? = nil, webhookURL: String? = nil, outboxFile: String? = nil
    ) {
        self.twilioAccountSID = twilioAccountSID
        self.from = from
        self.messagingServiceSID = messagingServiceSID
        self.twilioBaseURL = twilioBaseURL
        self.smtpURL = smtpURL
        self.smtpUser = smtpUser
        self.smtpRequireTLS = smtpRequireTLS
        self.webhookURL = webhookURL
        self.outboxFile = outboxFile
    }
}

/// The secret settings of a connection's provider, stored sealed and never logged.
public struct ProviderSecrets: Sendable, Equatable, Codable {
    public var twilioAuthToken: String?
    public var smtpPassword: String?
    public var webhookSecret: String?

    public init(twilioAuthToken: String? = nil, smtpPassword: String? = nil, webhookSecret: String? = nil) {
        self.twilioAuthToken = twilioAuthToken
        self.smtpPassword = smtpPassword
        self.webhookSecret = webhookSecret
    }
}
