extension Migration {
    /// The HTTP email providers (SendGrid, Mailgun, Postmark, Amazon SES) join the providers a
    /// connection may name. The first migration's column check carries PostgreSQL's generated
    /// name, `connections_provider_check`; it is replaced under the same name. Their settings
    /// and sealed secrets live in the existing JSON columns.
    static let emailProviders = Migration(
        version: 6,
        name: "email providers",
        statements: [
            "ALTER TABLE connections DROP CONSTRAINT connections_provider_check",
            """
            ALTER TABLE connections ADD CONSTRAINT connections_provider_check
                CHECK (provider IN ('twilio', 'smtp', 'webhook', 'outbox', 'sendgrid', 'mailgun', 'postmark', 'ses'))
            """,
        ]
    )
}
