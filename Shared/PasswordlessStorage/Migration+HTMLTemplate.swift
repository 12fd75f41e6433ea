extension Migration {
    /// An email connection's own HTML part (`connection create --html-template`); null means its
    /// text template turned into HTML, or the default email.
    static let htmlTemplate = Migration(
        version: 4,
        name: "connection html template",
        statements: ["ALTER TABLE connections ADD COLUMN html_template text"]
    )
}
