extension Migration {
    /// Users an operator blocked (`passwordless-admin user block`): they get no code and no token
    /// until unblocked. Existing users stay unblocked.
    static let blockedUsers = Migration(
        version: 5,
        name: "blocked users",
        statements: ["ALTER TABLE users ADD COLUMN blocked boolean NOT NULL DEFAULT false"]
    )
}
