import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO

/// `passwordless-admin connection create|list|show|update|delete|test|template`: how a tenant's
/// codes are sent.
struct ConnectionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connection", abstract: "Manage connections (how codes are sent).",
        subcommands: [
            Create.self, List.self, Show.self, Update.self, Delete.self, SendTest.self, ConnectionTemplateCommand.self,
        ])

    /// What `create` and `update` print: the contract's fields, and the send rate when there is one.
    static func fields(_ connection: Connection) -> KeyValuePairs<String, (any Sendable)?> {
        [
            "id": connection.id.uuidString.lowercased(), "name": connection.name, "strategy": connection.strategy.rawValue,
            "provider": connection.provider.rawValue, "send_rate": connection.limits.sendRate.map(sendRateText),
            "default_language": connection.defaultLanguage,
        ]
    }

    /// What `show` prints, and `list` for each connection: every setting but the credentials.
    static func details(_ connection: Connection, tenant: String, fallback: String?) -> Output.Fields {
        let (settings, limits) = (connection.settings, connection.limits)
        return [
            ("id", connection.id.uuidString.lowercased()), ("name", connection.name), ("strategy", connection.strategy.rawValue),
            ("provider", connection.provider.rawValue), ("channel", settings.twilioChannel?.rawValue), ("tenant", tenant),
            ("from", settings.from), ("fallback_connection", fallback),
            ("messaging_service_sid", settings.messagingServiceSID), ("twilio_account_sid", settings.twilioAccountSID),
            ("api_base_url", settings.apiBaseURL ?? settings.twilioBaseURL), ("smtp_url", settings.smtpURL),
            ("smtp_user", settings.smtpUser), ("webhook_url", settings.webhookURL), ("outbox_file", settings.outboxFile),
            ("mailgun_domain", settings.mailgunDomain), ("mailgun_region", settings.mailgunRegion),
            ("aws_access_key_id", settings.awsAccessKeyID), ("aws_region", settings.awsRegion), ("code_length", connection.codeLength),
            ("code_ttl", connection.codeTTLSeconds), ("disable_signup", connection.disableSignup),
            ("subject", connection.subject), ("template", connection.template),
            ("rate_per_recipient", sendRateText(limits.perRecipient)), ("rate_per_ip", sendRateText(limits.perIP)),
            ("rate_per_tenant", sendRateText(limits.perTenant)), ("allowed_countries", limits.allowedCountries),
            ("country_hourly_cap", limits.countryHourlyCap), ("lockout_failures", limits.lockoutFailures),
            ("lockout_window", limits.lockoutWindowSeconds), ("lockout_duration", limits.lockoutSeconds),
            ("send_rate", connection.limits.sendRate.map(ConnectionCommand.sendRateText)),
            ("default_language", connection.defaultLanguage),
            ("template_languages", connection.templates.keys.sorted()),
            ("has_credentials", connection.sealedCredentials != nil),
        ]
    }

    /// `N/SECONDS`, as `--send-rate` takes it.
    static func sendRateText(_ rate: ConnectionLimits.Rate) -> String { "\(rate.count)/\(rate.windowSeconds)" }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an SMS or email connection on the twilio, smtp, webhook, outbox, sendgrid, mailgun, postmark or ses provider."
        )

        @OptionGroup var target: TenantOptions
        @Option(help: "The name clients send as connection/realm (default: the strategy).") var name: String?
        @OptionGroup var options: ConnectionOptions
        @Flag(help: "Print one JSON object.") var json = false

        /// The connection the flags describe (id and tenant to be filled in), with its opened secrets.
        func draft() throws -> (Connection, ProviderSecrets) {
            guard let strategyName = options.strategy else { throw AdminError("Missing expected argument '--strategy <strategy>'") }
            guard let providerName = options.provider else { throw AdminError("Missing expected argument '--provider <provider>'") }
            guard let strategy = Connection.Strategy(rawValue: strategyName) else { throw AdminError("--strategy must be sms or email") }
            guard let provider = Connection.Provider(rawValue: providerName) else { throw ConnectionOptions.unknownProvider }
            var connection = Connection(
                id: UUID(), tenantID: UUID(), name: name ?? strategy.rawValue, strategy: strategy, provider: provider,
                settings: ProviderSettings(), sealedCredentials: nil, template: nil, subject: nil, codeLength: OneTimeCode.defaultLength,
                codeTTLSeconds: 600, disableSignup: false)
            var secrets = ProviderSecrets()
            try options.apply(to: &connection, secrets: &secrets)
            return (connection, secrets)
        }

        func validate() throws {
            if let name, name.range(of: "^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$", options: .regularExpression) == nil {
                throw AdminError("--name must be letters, digits, - and _")
            }
            let (connection, secrets) = try draft()
            try ConnectionOptions.check(connection, secrets: secrets)
        }

        func run() async throws {
            let masterKey = try target.store.masterKey()
            var (connection, secrets) = try draft()
            if secrets != ProviderSecrets() {
                connection.sealedCredentials = SecretBox(masterKey: masterKey, purpose: .secretsAtRest)
                    .seal(Array(try JSONEncoder().encode(secrets)), context: connection.sealingContext)
            }
            let (draft, fallbackName, checksTemplate) = (connection, options.fallbackName ?? nil, options.template != nil)
            let (created, warning) = try await target.withTenant { client, tenant in
                var connection = draft
                connection.tenantID = tenant.id
                let repository = ConnectionRepository(client: client, logger: .admin)
                connection.fallbackConnectionID = try await ConnectionFallback.resolve(
                    fallbackName, for: connection, in: tenant, repository: repository)
                try await repository.insert(connection)
                return (
                    connection,
                    try await ConnectionCommand.segmentWarning(connection, checks: checksTemplate, tenant: tenant, client: client)
                )
            }
            SMSSegmentWarning.print(warning)
            Output.print(ConnectionCommand.fields(created), json: json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one connection (never its credentials).")
        @OptionGroup var target: TenantOptions
        @Argument(help: "The connection's name.") var name: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let name = self.name
            let (connection, tenant, fallback) = try await target.withTenant { client, tenant in
                let repository = ConnectionRepository(client: client, logger: .admin)
                let connection = try await ConnectionCommand.find(name, in: tenant, client: repository)
                return (connection, tenant.name, try await ConnectionFallback.name(of: connection, repository: repository))
            }
            Output.print(ConnectionCommand.details(connection, tenant: tenant, fallback: fallback), json: json)
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a connection: the flags of create; what is not given stays as it is (dispatchers see it within 10 s).",
            discussion: """
                Credentials are sealed again only when one is given. --send-rate none removes the send rate, \
                --no-fallback-connection (or --fallback-connection none) the fallback. \
                The strategy cannot change (the connection's users are SMS or email users).
                """)
        @OptionGroup var target: TenantOptions
        @Argument(help: "The connection's name.") var name: String
        @OptionGroup var options: ConnectionOptions
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let (name, options) = (self.name, self.options)
            let masterKey = try target.store.masterKey()
            let (updated, warning) = try await target.withTenant { client, tenant in
                let repository = ConnectionRepository(client: client, logger: .admin)
                var connection = try await ConnectionCommand.find(name, in: tenant, client: repository)
                if let strategy = options.strategy, strategy != connection.strategy.rawValue {
                    throw AdminError("--strategy cannot change: connection \(name) is \(connection.strategy.rawValue)")
                }
                if let provider = options.provider.flatMap(Connection.Provider.init(rawValue:)) { connection.provider = provider }
                let box = SecretBox(masterKey: masterKey, purpose: .secretsAtRest)
                var secrets = ProviderSecrets()
                if let sealed = connection.sealedCredentials {
                    do {
                        secrets = try JSONDecoder().decode(
                            ProviderSecrets.self, from: Data(try box.open(sealed, context: connection.sealingContext)))
                    } catch {
                        throw AdminError("cannot open connection \(name)'s credentials with PASSWORDLESS_MASTER_KEY")
                    }
                }
                try options.apply(to: &connection, secrets: &secrets)
                try ConnectionOptions.check(connection, secrets: secrets)
                if let fallbackName = options.fallbackName {
                    connection.fallbackConnectionID = try await ConnectionFallback.resolve(
                        fallbackName, for: connection, in: tenant, repository: repository)
                }
                if options.givesSecrets {
                    connection.sealedCredentials = box.seal(Array(try JSONEncoder().encode(secrets)), context: connection.sealingContext)
                }
                try await repository.update(connection)
                return (
                    connection,
                    try await ConnectionCommand.segmentWarning(connection, checks: options.template != nil, tenant: tenant, client: client)
                )
            }
            SMSSegmentWarning.print(warning)
            Output.print(ConnectionCommand.fields(updated), json: json)
        }
    }

    /// The segment warning for an SMS connection whose `--template` was just given (`checks`).
    static func segmentWarning(_ connection: Connection, checks: Bool, tenant: Tenant, client: PostgresClient) async throws -> String? {
        guard checks, connection.strategy == .sms else { return nil }
        let applicationName = try await SMSSegmentWarning.applicationName(tenant: tenant, client: client)
        return SMSSegmentWarning.text(for: connection, language: nil, applicationName: applicationName)
    }

    /// The tenant's connection `name`, or a one-line error.
    static func find(_ name: String, in tenant: Tenant, client repository: ConnectionRepository) async throws -> Connection {
        guard let connection = try await repository.find(tenantID: tenant.id, name: name) else {
            throw AdminError("tenant \(tenant.name) has no connection \(name)")
        }
        return connection
    }
}
