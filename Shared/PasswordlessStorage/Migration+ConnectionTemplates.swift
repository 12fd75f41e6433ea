extension Migration {
    /// Messages per language (`connection template set`), deleted with their connection, and the
    /// language a connection's own texts are written in (`--default-language`; null: not said).
    static let connectionTemplates = Migration(
        version: 8,
        name: "connection templates",
        statements: [
            """
            CREATE TABLE connection_templates (
                connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
                language text NOT NULL,
                subject text,
                body text NOT NULL,
                html text,
                PRIMARY KEY (connection_id, language)
            )
            """,
            "ALTER TABLE connections ADD COLUMN default_language text",
        ]
    )
}
