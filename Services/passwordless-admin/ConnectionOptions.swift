import ArgumentParser
import Foundation
import PasswordlessCore

/// The flags `connection create` and `connection update` share (ARCHITECTURE.md: "`update` takes
/// the same flags as `create`"). Every value is optional here: `create` starts from the defaults,
/// `update` from the stored connection, and ``apply(to:secrets:)`` changes only what was given.
/// The whole result is then checked by ``check(_:secrets:)``, so an update cannot leave a
/// connection that `create` would have refused.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "sms or email.") var strategy: String?
    @Option(help: "twilio, smtp, webhook, outbox, sendgrid, mailgun, postmark or ses.") var provider: String?

    @Option(name: .customLong("twilio-account-sid")) var twilioAccountSID: String?
    @Option(name: .customLong("twilio-auth-token")) var twilioAuthToken: String?
    @Option(name: .customLong("messaging-service-sid")) var messagingServiceSID: String?
    @Option(
        name: .customLong("api-base-url"),
        help: "The provider API's base URL, for a regional endpoint or a local stand-in (default: the provider's own).")
    var apiBaseURL: String?
    @Option(name: .customLong("twilio-base-url"), help: "Alias of --api-base-url (Twilio's default is https://api.twilio.com).")
    var twilioBaseURL: String?
    @Option(
        help: "twilio: sms (default), whatsapp (the Messages API with whatsapp: addresses) or voice (a call that reads the code aloud).")
    var channel: String?
    @Option(help: "Sender: a phone number (Twilio) or an address (SMTP and the email APIs).") var from: String?
    @Option(name: .customLong("smtp-url"), help: "smtp://host:port or smtps://host:port") var smtpURL: String?
    @Option(name: .customLong("smtp-user")) var smtpUser: String?
    @Option(name: .customLong("smtp-password")) var smtpPassword: String?
    @Flag(name: .customLong("smtp-require-tls"), inversion: .prefixedNo, help: "Fail rather than send without STARTTLS.")
    var smtpRequireTLS: Bool?
    @Option(name: .customLong("webhook-url")) var webhookURL: String?
    @Option(name: .customLong("webhook-secret"), help: "Sent as Authorization: Bearer <secret>.") var webhookSecret: String?
    @Option(name: .customLong("outbox-file"), help: "File the outbox provider appends messages to (local development).") var outboxFile:
        String?
    @Option(name: .customLong("api-key"), help: "The SendGrid or Mailgun API key.") var apiKey: String?
    @Option(name: .customLong("domain"), help: "Mailgun: the sending domain (mg.example.com).") var mailgunDomain: String?
    @Option(name: .customLong("region"), help: "Mailgun: us (api.mailgun.net, the default) or eu (api.eu.mailgun.net).")
    var mailgunRegion: String?
    @Option(name: .customLong("server-token"), help: "Postmark: the server API token.") var postmarkServerToken: String?
    @Option(name: .customLong("aws-access-key-id"), help: "Amazon SES: the access key id.") var awsAccessKeyID: String?
    @Option(name: .customLong("aws-secret-access-key"), help: "Amazon SES: the secret access key (signs requests, never sent).")
    var awsSecretAccessKey: String?
    @Option(name: .customLong("aws-region"), help: "Amazon SES: the region (eu-west-1).") var awsRegion: String?

    @Option(help: "Message text; @@password@@ (or {{code}}) is replaced by the code, @@link@@ (or {{link}}) by the sign-in link.")
    var template: String?
    @Option(
        name: .customLong("html-template"),
        help: "Email: the HTML part, with the same placeholders (values are HTML-escaped); default: the text template as HTML.")
    var htmlTemplate: String?
    @Option(help: "Email subject.") var subject: String?
    @Option(
        name: .customLong("default-language"),
        help: "BCP 47 tag (e.g. fr): the language of --template/--subject and the last resort when choosing one; none: not said.")
    var defaultLanguage: String?
    @Option(name: .customLong("code-length"), help: "Digits in a code, 4 to 10 (default 6).") var codeLength: Int?
    @Option(name: .customLong("code-ttl"), help: "Seconds a code stays valid (default 600).") var codeTTL: Int?
    @Flag(inversion: .prefixedEnableDisable, help: "--disable-signup sends codes only to users that already exist.") var signup: Bool?
    @Option(name: .customLong("rate-per-recipient"), help: "COUNT/SECONDS codes to one recipient (default 5/600).")
    var ratePerRecipient: String?
    @Option(name: .customLong("rate-per-ip"), help: "COUNT/SECONDS starts from one client IP (default 50/3600).") var ratePerIP: String?
    @Option(name: .customLong("rate-per-tenant"), help: "COUNT/SECONDS starts on this connection (default 100000/3600).")
    var ratePerTenant: String?
    @Option(
        name: .customLong("send-rate"),
        help: "N/SECONDS: at most N messages per SECONDS leave through this connection, over all dispatchers; none: no limit (default).")
    var sendRate: String?
    @Option(name: .customLong("allowed-countries"), help: "SMS: comma-separated country calling codes allowed (e.g. 1,44); default all.")
    var allowedCountries: String?
    @Option(name: .customLong("country-hourly-cap"), help: "SMS: codes per country calling code per hour.") var countryHourlyCap: Int?
    @Option(name: .customLong("lockout-failures"), help: "Wrong codes that lock a recipient out (default 10).") var lockoutFailures: Int?
    @Option(name: .customLong("lockout-window"), help: "Seconds those wrong codes are counted over (default 3600).") var lockoutWindow: Int?
    @Option(name: .customLong("lockout-duration"), help: "Seconds a locked-out recipient waits (default 3600).") var lockoutDuration: Int?

    @Option(
        name: .customLong("fallback-connection"),
        help:
            "A connection of the same tenant and strategy that delivers this one's codes while its provider keeps failing; none: no fallback."
    )
    var fallbackConnection: String?
    @Flag(name: .customLong("no-fallback-connection"), help: "Remove the fallback connection.") var noFallbackConnection = false

    /// What `--fallback-connection` clears the fallback with.
    static let noFallback = "none"

    /// `--fallback-connection` and `--no-fallback-connection`, read together: nil when neither is
    /// given, `.some(nil)` to clear the fallback, else the fallback's name.
    var fallbackName: String?? {
        if noFallbackConnection { return .some(nil) }
        guard let fallbackConnection else { return nil }
        return fallbackConnection.lowercased() == Self.noFallback ? .some(nil) : .some(fallbackConnection)
    }

    /// What `--send-rate` clears the limit with.
    static let noSendRate = "none"
    /// The longest `--send-rate` window: a day.
    static let sendRateWindows = 1...86400

    /// `--send-rate`, parsed: nil when not given, `.some(nil)` for `none`.
    func parsedSendRate() throws -> ConnectionLimits.Rate?? {
        guard let sendRate else { return nil }
        if sendRate.lowercased() == Self.noSendRate { return .some(nil) }
        guard let rate = ConnectionLimits.Rate(sendRate), Self.sendRateWindows.contains(rate.windowSeconds) else {
            throw AdminError("--send-rate takes N/SECONDS with N >= 1 and SECONDS from 1 to 86400 (e.g. 30/1), or none")
        }
        return .some(rate)
    }

    /// What `--default-language` clears the language with.
    static let noDefaultLanguage = "none"

    /// `--default-language`, normalised: nil when not given, `.some(nil)` for `none`.
    func parsedDefaultLanguage() throws -> String?? {
        guard let defaultLanguage else { return nil }
        if defaultLanguage.lowercased() == Self.noDefaultLanguage { return .some(nil) }
        guard let tag = LanguageTag(defaultLanguage) else {
            throw AdminError("--default-language must be a BCP 47 tag such as fr or pt-BR, or none")
        }
        return .some(tag.description)
    }

    /// Checks each given value on its own (before anything is read from the database).
    func validate() throws {
        var scratch = ConnectionLimits()
        try applyLimits(to: &scratch)
        if let strategy, Connection.Strategy(rawValue: strategy) == nil { throw AdminError("--strategy must be sms or email") }
        if let provider, Connection.Provider(rawValue: provider) == nil { throw Self.unknownProvider }
        try validateProviderFlags()
        if let channel, TwilioChannel(rawValue: channel) == nil { throw AdminError("--channel must be sms, whatsapp or voice") }
        if noFallbackConnection, fallbackConnection != nil {
            throw AdminError("give --fallback-connection or --no-fallback-connection, not both")
        }
        if let codeLength, !OneTimeCode.lengths.contains(codeLength) { throw AdminError("--code-length must be 4 to 10") }
        if let codeTTL, !(1...86400).contains(codeTTL) { throw AdminError("--code-ttl must be 1 to 86400 seconds") }
        _ = try parsedDefaultLanguage()
        for (flag, text) in [("--template", template), ("--html-template", htmlTemplate)] {
            if let text, !text.contains("@@password@@"), !text.contains("{{code}}") {
                throw AdminError("\(flag) must contain @@password@@ (or {{code}}) where the code goes")
            }
        }
        for (flag, value) in [
            ("--lockout-failures", lockoutFailures), ("--lockout-window", lockoutWindow), ("--lockout-duration", lockoutDuration),
        ] {
            if let value, value <= 0 { throw AdminError("\(flag) must be positive") }
        }
    }

    /// The one line for a `--provider` this build does not know.
    static let unknownProvider = AdminError(
        "--provider must be one of " + Connection.Provider.allCases.map(\.rawValue).joined(separator: ", "))

    /// The limits with the given flags applied on top.
    func applyLimits(to limits: inout ConnectionLimits) throws {
        for (flag, text, path) in [
            ("--rate-per-recipient", ratePerRecipient, \ConnectionLimits.perRecipient), ("--rate-per-ip", ratePerIP, \.perIP),
            ("--rate-per-tenant", ratePerTenant, \.perTenant),
        ] {
            guard let text else { continue }
            guard let rate = ConnectionLimits.Rate(text) else { throw AdminError("\(flag) takes COUNT/SECONDS, e.g. 5/600") }
            limits[keyPath: path] = rate
        }
        if let sendRate = try parsedSendRate() { limits.sendRate = sendRate }
        if let allowedCountries {
            let codes = allowedCountries.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " +")) }
            guard !codes.isEmpty, codes.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(\.isNumber) }) else {
                throw AdminError("--allowed-countries takes calling codes of 1 to 3 digits, e.g. 1,44,33")
            }
            limits.allowedCountries = codes
        }
        if let countryHourlyCap {
            guard countryHourlyCap > 0 else { throw AdminError("--country-hourly-cap must be positive") }
            limits.countryHourlyCap = countryHourlyCap
        }
        limits.lockoutFailures = lockoutFailures ?? limits.lockoutFailures
        limits.lockoutWindowSeconds = lockoutWindow ?? limits.lockoutWindowSeconds
        limits.lockoutSeconds = lockoutDuration ?? limits.lockoutSeconds
    }

    /// Changes the fields of `connection` (and the opened `secrets`) that a flag gives; leaves
    /// the rest as they are. The strategy and the provider are the caller's (they pick defaults).
    func apply(to connection: inout Connection, secrets: inout ProviderSecrets) throws {
        var settings = connection.settings
        settings.twilioAccountSID = twilioAccountSID ?? settings.twilioAccountSID
        settings.from = from.map(Self.sender) ?? settings.from
        if let channel {
            guard connection.provider == .twilio else { throw AdminError("--channel is for the twilio provider") }
            settings.twilioChannel = TwilioChannel(rawValue: channel) == .sms ? nil : TwilioChannel(rawValue: channel)
        }
        if connection.provider != .twilio { settings.twilioChannel = nil }
        settings.messagingServiceSID = messagingServiceSID ?? settings.messagingServiceSID
        if let base = apiBaseURL ?? twilioBaseURL {
            settings.apiBaseURL = base
            settings.twilioBaseURL = nil  // a base stored before --api-base-url: replaced by it
        }
        settings.mailgunDomain = mailgunDomain ?? settings.mailgunDomain
        settings.mailgunRegion = mailgunRegion ?? settings.mailgunRegion
        settings.awsAccessKeyID = awsAccessKeyID ?? settings.awsAccessKeyID
        settings.awsRegion = awsRegion ?? settings.awsRegion
        settings.smtpURL = smtpURL ?? settings.smtpURL
        settings.smtpUser = smtpUser ?? settings.smtpUser
        if let smtpRequireTLS { settings.smtpRequireTLS = smtpRequireTLS ? true : nil }
        settings.webhookURL = webhookURL ?? settings.webhookURL
        settings.outboxFile = outboxFile ?? settings.outboxFile
        connection.settings = settings
        secrets.twilioAuthToken = twilioAuthToken ?? secrets.twilioAuthToken
        secrets.smtpPassword = smtpPassword ?? secrets.smtpPassword
        secrets.webhookSecret = webhookSecret ?? secrets.webhookSecret
        secrets.apiKey = apiKey ?? secrets.apiKey
        secrets.postmarkServerToken = postmarkServerToken ?? secrets.postmarkServerToken
        secrets.awsSecretAccessKey = awsSecretAccessKey ?? secrets.awsSecretAccessKey
        connection.template = template ?? connection.template
        connection.htmlTemplate = htmlTemplate ?? connection.htmlTemplate
        connection.subject = subject ?? connection.subject
        if let defaultLanguage = try parsedDefaultLanguage() { connection.defaultLanguage = defaultLanguage }
        connection.codeLength = codeLength ?? connection.codeLength
        connection.codeTTLSeconds = codeTTL ?? connection.codeTTLSeconds
        if let signup { connection.disableSignup = !signup }
        try applyLimits(to: &connection.limits)
    }

    /// `--from` as stored: a phone number in E.164 (a WhatsApp sender may be given as
    /// `whatsapp:+1…`: the provider adds the prefix), anything else as it is.
    static func sender(_ text: String) -> String {
        let number =
            text.lowercased().hasPrefix(TwilioChannel.whatsAppPrefix) ? String(text.dropFirst(TwilioChannel.whatsAppPrefix.count)) : text
        return PhoneNumber(number)?.e164 ?? text
    }

    /// Whether any flag gives a secret (so the credentials must be sealed again).
    var givesSecrets: Bool {
        [twilioAuthToken, smtpPassword, webhookSecret, apiKey, postmarkServerToken, awsSecretAccessKey].contains { $0 != nil }
    }

    /// What the connection's provider needs, checked on the whole connection as it would be stored.
    static func check(_ connection: Connection, secrets: ProviderSecrets) throws {
        let (settings, strategy) = (connection.settings, connection.strategy)
        if connection.htmlTemplate != nil, strategy != .email { throw AdminError("--html-template is for email connections") }
        let provider = connection.provider
        if provider.strategies.count == 1, let only = provider.strategies.first, only != strategy {
            throw AdminError("the \(provider.rawValue) provider sends \(only == .sms ? "SMS" : "email"): use --strategy \(only.rawValue)")
        }
        try checkURL(settings.apiBaseURL, flag: "--api-base-url", schemes: ["http", "https"])
        switch provider {
        case .twilio:
            guard settings.twilioAccountSID != nil, secrets.twilioAuthToken != nil else {
                throw AdminError("twilio needs --twilio-account-sid and --twilio-auth-token")
            }
            guard (settings.from == nil) != (settings.messagingServiceSID == nil) else {
                throw AdminError("twilio needs exactly one of --from or --messaging-service-sid")
            }
            if let from = settings.from, PhoneNumber(from) == nil,
                from.range(of: "^[A-Za-z0-9 ]{1,11}$", options: .regularExpression) == nil
            {
                throw AdminError("--from must be an E.164 number or an alphanumeric sender id")
            }
            if let channel = settings.twilioChannel, channel != .sms, settings.from.flatMap(PhoneNumber.init) == nil {
                throw AdminError("--channel \(channel.rawValue) needs --from with an E.164 number (not --messaging-service-sid)")
            }
        case .smtp:
            guard settings.smtpURL != nil else { throw AdminError("smtp needs --smtp-url smtp://host:port") }
            try checkURL(settings.smtpURL, flag: "--smtp-url", schemes: ["smtp", "smtps"])
            guard let from = settings.from, EmailAddress(from) != nil else { throw AdminError("smtp needs --from with a valid address") }
            guard (settings.smtpUser == nil) == (secrets.smtpPassword == nil) else {
                throw AdminError("give --smtp-user and --smtp-password together")
            }
        case .webhook:
            guard settings.webhookURL != nil else { throw AdminError("webhook needs --webhook-url") }
            try checkURL(settings.webhookURL, flag: "--webhook-url", schemes: ["http", "https"])
        case .outbox:
            guard let outboxFile = settings.outboxFile, outboxFile.hasPrefix("/") else {
                throw AdminError("outbox needs --outbox-file with an absolute path")
            }
        case .sendgrid, .mailgun, .postmark, .ses:
            try checkEmailAPI(connection, secrets: secrets)
        }
    }

    static func checkURL(_ text: String?, flag: String, schemes: Set<String>) throws {
        guard let text else { return }
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
            url.host?.isEmpty == false
        else { throw AdminError("\(flag) must be a \(schemes.sorted().joined(separator: " or ")) URL with a host") }
    }
}
