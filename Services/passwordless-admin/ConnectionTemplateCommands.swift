import ArgumentParser
import Foundation
import PasswordlessCore
import PasswordlessStorage

/// `passwordless-admin connection template set|list|delete`: a connection's messages per
/// language. A template for a language wins over the connection's `--template` and over the
/// shipped translation (README: "Languages").
struct ConnectionTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "template", abstract: "Manage a connection's messages per language.",
        subcommands: [SetTemplate.self, List.self, Delete.self])

    typealias Fields = KeyValuePairs<String, (any Sendable)?>

    /// `--language`, checked and normalised (`PT-br` → `pt-BR`).
    static func language(_ text: String) throws -> String {
        guard let tag = LanguageTag(text) else {
            throw AdminError("--language must be a BCP 47 tag such as fr, pt-BR or zh-Hans (language, optional script and region)")
        }
        return tag.description
    }

    /// What `set` prints and `list` lists; `segments`: the SMS's, rendered with `applicationName`.
    static func fields(_ template: ConnectionTemplate, connection: Connection, applicationName: String) -> Fields {
        let segments = SMSSegmentWarning.segments(of: connection, language: template.language, applicationName: applicationName)
        return [
            "connection": connection.name, "language": template.language, "subject": template.subject, "body": template.body,
            "html": template.html, "segments": segments?.count,
        ]
    }

    struct SetTemplate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set the connection's message in one language (replaces the one there was; dispatchers see it within 10 s).")
        @OptionGroup var target: TenantOptions
        @Option(help: "The connection's name.") var name: String
        @Option(help: "BCP 47 language tag, e.g. fr, pt-BR.") var language: String
        @Option(help: "Email subject (default: the shipped one of the language).") var subject: String?
        @Option(help: "The SMS or the email's text; @@password@@ (or {{code}}) is the code, @@link@@ (or {{link}}) the sign-in link.")
        var body: String
        @Option(help: "Email: the HTML part, same placeholders (values are HTML-escaped).") var html: String?
        @Flag(help: "Print one JSON object.") var json = false

        func validate() throws {
            _ = try ConnectionTemplateCommand.language(language)
            guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw AdminError("--body must not be empty") }
            for (flag, text) in [("--body", body), ("--html", html)] {
                if let text, !text.contains("@@password@@"), !text.contains("{{code}}") {
                    throw AdminError("\(flag) must contain @@password@@ (or {{code}}) where the code goes")
                }
            }
            if let subject, subject.trimmingCharacters(in: .whitespaces).isEmpty { throw AdminError("--subject must not be empty") }
        }

        func run() async throws {
            let template = ConnectionTemplate(
                language: try ConnectionTemplateCommand.language(language), subject: subject, body: body, html: html)
            let name = self.name
            let (connection, applicationName) = try await target.withTenant { client, tenant in
                let repository = ConnectionRepository(client: client, logger: .admin)
                var connection = try await ConnectionCommand.find(name, in: tenant, client: repository)
                if connection.strategy == .sms, template.subject != nil || template.html != nil {
                    throw AdminError("--subject and --html are for email connections; \(name) sends SMS")
                }
                try await repository.setTemplate(template, connectionID: connection.id)
                connection.templates[template.language] = template
                return (connection, try await SMSSegmentWarning.applicationName(tenant: tenant, client: client))
            }
            SMSSegmentWarning.print(
                SMSSegmentWarning.text(for: connection, language: template.language, applicationName: applicationName))
            Output.print(ConnectionTemplateCommand.fields(template, connection: connection, applicationName: applicationName), json: json)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the connection's messages per language.")
        @OptionGroup var target: TenantOptions
        @Option(help: "The connection's name.") var name: String
        @Flag(help: "Print a JSON array.") var json = false

        func run() async throws {
            let name = self.name
            let (connection, applicationName) = try await target.withTenant { client, tenant in
                (
                    try await ConnectionCommand.find(name, in: tenant, client: ConnectionRepository(client: client, logger: .admin)),
                    try await SMSSegmentWarning.applicationName(tenant: tenant, client: client)
                )
            }
            let rows = connection.templates.values.sorted { $0.language < $1.language }.map {
                ConnectionTemplateCommand.fields($0, connection: connection, applicationName: applicationName)
            }
            Output.printList(rows, columns: ["language", "subject", "segments", "body"], json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the connection's message in one language: the shipped translation (or --template) is used again.")
        @OptionGroup var target: TenantOptions
        @Option(help: "The connection's name.") var name: String
        @Option(help: "BCP 47 language tag, e.g. fr, pt-BR.") var language: String
        @Flag(help: "Print one JSON object: the connection and language deleted.") var json = false

        func validate() throws { _ = try ConnectionTemplateCommand.language(language) }

        func run() async throws {
            let (name, language) = (self.name, try ConnectionTemplateCommand.language(self.language))
            try await target.withTenant { client, tenant in
                let repository = ConnectionRepository(client: client, logger: .admin)
                let connection = try await ConnectionCommand.find(name, in: tenant, client: repository)
                guard try await repository.deleteTemplate(language: language, connectionID: connection.id) else {
                    throw AdminError("connection \(name) has no template for \(language)")
                }
            }
            Output.printOutcome(
                "deleted \(language)", fields: [("connection", name), ("language", language), ("deleted", true)], json: json)
        }
    }
}
