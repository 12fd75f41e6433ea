extension Migration {
    /// A connection's fallback (`connection create|update --fallback-connection`): the connection
    /// that delivers its codes while its provider keeps failing. Deleting the fallback leaves the
    /// connection without one.
    static let fallbackConnection = Migration(
        version: 7,
        name: "connection fallback",
        statements: ["ALTER TABLE connections ADD COLUMN fallback_connection_id uuid REFERENCES connections (id) ON DELETE SET NULL"]
    )
}
