import Foundation

/// A tenant's way of sending codes: a strategy (SMS or email), a provider and its settings.
public struct Connection: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable, Codable {
        case sms, email
    }

    public enum Provider: String, Sendable, CaseIterable, Codable {
        case twilio, smtp, webhook, outbox, sendgrid, mailgun, postmark, ses

        /// The strategies the provider can send: Twilio sends SMS, the email APIs and SMTP send
        /// email, webhooks and the outbox either.
        public var strategies: Set<Strategy> {
            switch self {
            case .twilio: [.sms]
            case .smtp, .sendgrid, .mailgun, .postmark, .ses: [.email]
            case .webhook, .outbox: [.sms, .email]
            }
        }
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
    /// The connection of the same tenant and strategy that delivers this one's codes while its
    /// provider's circuit breaker is open (`--fallback-connection`); the code stays bound to this
    /// connection.
    public var fallbackConnectionID: UUID?
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
    /// Twilio's API base URL as connections stored it before ``apiBaseURL``; read when that is nil.
    public var twilioBaseURL: String?
    /// The provider API's base URL (`https://host[:port][/prefix]`): the provider's own when nil;
    /// tests point it at a local server, operators at a regional endpoint.
    public var apiBaseURL: String?
    /// `smtp://host:port` or `smtps://host:port`.
    public var smtpURL: String?
    public var smtpUser: String?
    /// Whether SMTP must use TLS (STARTTLS); otherwise it is used when the server offers it.
    public var smtpRequireTLS: Bool?
    public var webhookURL: String?
    /// Where the outbox provider appends messages (local development).
    public var outboxFile: String?
    /// The Mailgun sending domain (`mg.example.com`), part of the API path.
    public var mailgunDomain: String?
    /// The Mailgun region, `us` or `eu`; `us` when nil.
    public var mailgunRegion: String?
    /// The AWS region of Amazon SES (`eu-west-1`); it names the endpoint and is signed.
    public var awsRegion: String?
    /// The AWS access key id (`AKIA…`): not secret, it names the key; the secret is in
    /// ``ProviderSecrets/awsSecretAccessKey``.
    public var awsAccessKeyID: String?
    /// How Twilio delivers an SMS connection's codes; nil is ``TwilioChannel/sms``.
    public var twilioChannel: TwilioChannel?

    public init(
        twilioAccountSID: String? = nil, from: String? = nil, messagingServiceSID: String? = nil, twilioBaseURL: String? = nil,
        smtpURL: String? = nil, smtpUser: String? = nil, smtpRequireTLS: Bool? = nil, webhookURL: String? = nil, outboxFile: String? = nil,
        apiBaseURL: String? = nil, mailgunDomain: String? = nil, mailgunRegion: String? = nil, awsRegion: String? = nil,
        awsAccessKeyID: String? = nil,
        twilioChannel: TwilioChannel? = nil
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
        self.apiBaseURL = apiBaseURL
        self.mailgunDomain = mailgunDomain
        self.mailgunRegion = mailgunRegion
        self.awsRegion = awsRegion
        self.awsAccessKeyID = awsAccessKeyID
        self.twilioChannel = twilioChannel
    }
}

/// The ways Twilio carries a code: a text message, a WhatsApp message (the same Messages API with
/// `whatsapp:` addresses), or a voice call that reads the code aloud (the Calls API), for
/// landlines.
public enum TwilioChannel: String, Sendable, CaseIterable, Codable {
    case sms, whatsapp, voice

    /// The prefix of a WhatsApp address in Twilio's Messages API (`whatsapp:+14155550100`).
    public static let whatsAppPrefix = "whatsapp:"
}

/// The secret settings of a connection's provider, stored sealed and never logged.
public struct ProviderSecrets: Sendable, Equatable, Codable {
    public var twilioAuthToken: String?
    public var smtpPassword: String?
    public var webhookSecret: String?
    /// The SendGrid or Mailgun API key.
    public var apiKey: String?
    /// Postmark's server API token (`X-Postmark-Server-Token`).
    public var postmarkServerToken: String?
    /// The AWS secret access key that signs Amazon SES requests (SigV4).
    public var awsSecretAccessKey: String?

    public init(
        twilioAuthToken: String? = nil, smtpPassword: String? = nil, webhookSecret: String? = nil, apiKey: String? = nil,
        postmarkServerToken: String? = nil, awsSecretAccessKey: String? = nil
    ) {
        self.twilioAuthToken = twilioAuthToken
        self.smtpPassword = smtpPassword
        self.webhookSecret = webhookSecret
        self.apiKey = apiKey
        self.postmarkServerToken = postmarkServerToken
        self.awsSecretAccessKey = awsSecretAccessKey
    }
}
