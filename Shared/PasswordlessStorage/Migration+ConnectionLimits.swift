extension Migration {
    /// Per-connection abuse limits (rate limits, SMS country rules, brute-force lockout) as JSON;
    /// absent fields take the defaults of `ConnectionLimits`.
    static let connectionLimits = Migration(
        version: 2,
        name: "connection limits",
        statements: ["ALTER TABLE connections ADD COLUMN limits jsonb NOT NULL DEFAULT '{}'::jsonb"]
    )
}
