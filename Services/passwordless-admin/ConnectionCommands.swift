import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage

/// `passwordless-admin connection create`.
struct ConnectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connection", abstract: "Manage connections (how codes are sent).", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an SMS or email connection on the twilio, smtp, webhook or outbox provider.")

        @OptionGroup var target: TenantOptions
        @Option(help: "sms or email.") var strategy: String
        @Option(help: "twilio, smtp, webhook or outbox.") var provider: String
        @Option(help: "The name clients send as connection/realm (default: the strategy).") var name: String?

        @Option(name: .customLong("twilio-account-sid")) var twilioAccountSID: String?
        @Option(name: .customLong("twilio-auth-token")) var twilioAuthToken: String?
        @Option(name: .customLong("messaging-service-sid")) var messagingServiceSID: String?
        @Option(name: .customLong("twilio-base-url"), help: "Twilio's API base (default https://api.twilio.com).") var twilioBaseURL:
            String?
        @Option(help: "Sender: a phone number (Twilio) or an address (SMTP).") var from: String?
        @Option(name: .customLong("smtp-url"), help: "smtp://host:port or smtps://host:port") var smtpURL: String?
        @Option(name: .customLong("smtp-user")) var smtpUser: String?
        @Option(name: .customLong("smtp-password")) var smtpPassword: String?
        @Flag(name: .customLong("smtp-require-tls"), help: "Fail rather than send without STARTTLS.") var smtpRequireTLS = false
        @Option(name: .customLong("webhook-url")) var webhookURL: String?
        @Option(name: .customLong("webhook-secret"), help: "Sent as Authorization: Bearer <secret>.") var webhookSecret: String?
        @Option(name: .customLong("outbox-file"), help: "File the outbox provider appends messages to (local development).") var outboxFile:
            String?

        @Option(help: "Message text; @@password@@ (or {{code}}) is replaced by the code, @@link@@ (or {{link}}) by the sign-in link.")
        var template: String?
        @Option(
            name: .customLong("html-template"),
            help: "Email: the HTML part, with the same placeholders (values are HTML-escaped); default: the text template as HTML.")
        var htmlTemplate: String?
        @Option(help: "Email subject.") var subject: String?
        @Option(name: .customLong("code-length")) var codeLength: Int = OneTimeCode.defaultLength
        @Option(name: .customLong("code-ttl"), help: "Seconds a code stays valid (default 600).") var codeTTL: Int = 600
        @Flag(name: .customLong("disable-signup"), help: "Send codes only to users that already exist.") var disableSignup = false
        @Option(name: .customLong("rate-per-recipient"), help: "COUNT/SECONDS codes to one recipient (default 5/600).")
        var ratePerRecipient: String?
        @Option(name: .customLong("rate-per-ip"), help: "COUNT/SECONDS starts from one client IP (default 50/3600).") var ratePerIP: String?
        @Option(name: .customLong("rate-per-tenant"), help: "COUNT/SECONDS starts on this connection (default 100000/3600).")
        var ratePerTenant: String?
        @Option(
            name: .customLong("allowed-countries"), help: "SMS: comma-separated country calling codes allowed (e.g. 1,44); default all.")
        var allowedCountries: String?
        @Option(name: .customLong("country-hourly-cap"), help: "SMS: codes per country calling code per hour.") var countryHourlyCap: Int?
        @Option(name: .customLong("lockout-failures"), help: "Wrong codes that lock a recipient out (default 10).") var lockoutFailures:
            Int?
        @Option(name: .customLong("lockout-window"), help: "Seconds those wrong codes are counted over (default 3600).") var lockoutWindow:
            Int?
        @Option(name: .customLong("lockout-duration"), help: "Seconds a locked-out recipient waits (default 3600).") var lockoutDuration:
            Int?
        @Flag(help: "Print one JSON object.") var json = false

        /// The limits the flags describe, on top of the defaults.
        func limits() throws -> ConnectionLimits {
            var limits = ConnectionLimits()
            for (flag, text, path) in [
                ("--rate-per-recipient", ratePerRecipient, \ConnectionLimits.perRecipient), ("--rate-per-ip", ratePerIP, \.perIP),
                ("--rate-per-tenant", ratePerTenant, \.perTenant),
            ] {
                guard let text else { continue }
                guard let rate = ConnectionLimits.Rate(text) else { throw ValidationError("\(flag) takes COUNT/SECONDS, e.g. 5/600") }
                limits[keyPath: path] = rate
            }
            if let allowedCountries {
                let codes = allowedCountries.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " +")) }
                guard !codes.isEmpty, codes.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(\.isNumber) }) else {
                    throw ValidationError("--allowed-countries takes calling codes of 1 to 3 digits, e.g. 1,44,33")
                }
                limits.allowedCountries = codes
            }
            if let countryHourlyCap {
                guard countryHourlyCap > 0 else { throw ValidationError("--country-hourly-cap must be positive") }
                limits.countryHourlyCap = countryHourlyCap
            }
            for (flag, value) in [
                ("--lockout-failures", lockoutFailures), ("--lockout-window", lockoutWindow), ("--lockout-duration", lockoutDuration),
            ] {
                if let value, value <= 0 { throw ValidationError("\(flag) must be positive") }
            }
            limits.lockoutFailures = lockoutFailures ?? limits.lockoutFailures
            limits.lockoutWindowSeconds = lockoutWindow ?? limits.lockoutWindowSeconds
            limits.lockoutSeconds = lockoutDuration ?? limits.lockoutSeconds
            return limits
        }

        func validate() throws {
            _ = try limits()
            guard let strategy = Connection.Strategy(rawValue: strategy) else { throw ValidationError("--strategy must be sms or email") }
            guard let provider = Connection.Provider(rawValue: provider) else {
                throw ValidationError("--provider must be twilio, smtp, webhook or outbox")
            }
            guard OneTimeCode.lengths.contains(codeLength) else { throw ValidationError("--code-length must be 4 to 10") }
            guard (1...86400).contains(codeTTL) else { throw ValidationError("--code-ttl must be 1 to 86400 seconds") }
            for (flag, text) in [("--template", template), ("--html-template", htmlTemplate)] {
                if let text, !text.contains("@@password@@"), !text.contains("{{code}}") {
                    throw ValidationError("\(flag) must contain @@password@@ (or {{code}}) where the code goes")
                }
            }
            if htmlTemplate != nil, strategy != .email { throw ValidationError("--html-template is for email connections") }
            if let name, name.range(of: "^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$", options: .regularExpression) == nil {
                throw ValidationError("--name must be letters, digits, - and _")
            }
            switch provider {
            case .twilio:
                guard strategy == .sms else { throw ValidationError("the twilio provider sends SMS: use --strategy sms") }
                guard twilioAccountSID != nil, twilioAuthToken != nil else {
                    throw ValidationError("twilio needs --twilio-account-sid and --twilio-auth-token")
                }
                guard (from == nil) != (messagingServiceSID == nil) else {
                    throw ValidationError("twilio needs exactly one of --from or --messaging-service-sid")
                }
                if let from, PhoneNumber(from) == nil, from.range(of: "^[A-Za-z0-9 ]{1,11}$", options: .regularExpression) == nil {
                    throw ValidationError("--from must be an E.164 number or an alphanumeric sender id")
                }
                try Self.checkURL(twilioBaseURL, flag: "--twilio-base-url", schemes: ["http", "https"])
            case .smtp:
                guard strategy == .email else { throw ValidationError("the smtp provider sends email: use --strategy email") }
                guard smtpURL != nil else { throw ValidationError("smtp needs --smtp-url smtp://host:port") }
                try Self.checkURL(smtpURL, flag: "--smtp-url", schemes: ["smtp", "smtps"])
                guard let from, EmailAddress(from) != nil else { throw ValidationError("smtp needs --from with a valid address") }
                guard (smtpUser == nil) == (smtpPassword == nil) else {
                    throw ValidationError("give --smtp-user and --smtp-password together")
                }
            case .webhook:
                guard webhookURL != nil else { throw ValidationError("webhook needs --webhook-url") }
                try Self.checkURL(webhookURL, flag: "--webhook-url", schemes: ["http", "https"])
            case .outbox:
                guard let outboxFile, outboxFile.hasPrefix("/") else {
                    throw ValidationError("outbox needs --outbox-file with an absolute path")
                }
            }
        }

        static func checkURL(_ text: String?, flag: String, schemes: Set<String>) throws {
            guard let text else { return }
            guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
                url.host?.isEmpty == false
            else { throw ValidationError("\(flag) must be a \(schemes.sorted().joined(separator: " or ")) URL with a host") }
        }

        func run() async throws {
            let masterKey = try target.store.masterKey()
            let strategy = Connection.Strategy(rawValue: self.strategy)!
            let provider = Connection.Provider(rawValue: self.provider)!
            let settings = ProviderSettings(
                twilioAccountSID: twilioAccountSID, from: from.map { PhoneNumber($0)?.e164 ?? $0 },
                messagingServiceSID: messagingServiceSID,
                twilioBaseURL: twilioBaseURL, smtpURL: smtpURL, smtpUser: smtpUser, smtpRequireTLS: smtpRequireTLS ? true : nil,
                webhookURL: webhookURL, outboxFile: outboxFile)
            let secrets = ProviderSecrets(twilioAuthToken: twilioAuthToken, smtpPassword: smtpPassword, webhookSecret: webhookSecret)
            var connection = Connection(
                id: UUID(), tenantID: UUID(), name: name ?? strategy.rawValue, strategy: strategy, provider: provider, settings: settings,
                sealedCredentials: nil, template: template, subject: subject, codeLength: codeLength, codeTTLSeconds: codeTTL,
                disableSignup: disableSignup)
            connection.limits = try limits()
            connection.htmlTemplate = htmlTemplate
            if secrets != ProviderSecrets() {
                connection.sealedCredentials = SecretBox(masterKey: masterKey, purpose: .secretsAtRest)
                    .seal(Array(try JSONEncoder().encode(secrets)), context: connection.sealingContext)
            }
            let created = connection
            try await target.withTenant { client, tenant in
                var connection = created
                connection.tenantID = tenant.id
                try await ConnectionRepository(client: client, logger: .admin).insert(connection)
            }
            Output.print(
                [
                    "id": created.id.uuidString.lowercased(), "name": created.name, "strategy": strategy.rawValue,
                    "provider": provider.rawValue,
                ],
                json: json)
        }
    }
}
