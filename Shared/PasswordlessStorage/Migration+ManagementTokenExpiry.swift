extension Migration {
    /// Management tokens that expire (`token create --expires-in`, NULL: never; tokens made
    /// before this migration keep never expiring), and the indexes of the management API's user
    /// search (`GET /api/v2/users`, `passwordless-admin user list`):
    /// - `(tenant_id, identifier text_pattern_ops)`: an exact email or number, and a prefix
    ///   (`LIKE 'ada%'`, whatever the database's collation), as one index range;
    /// - `(tenant_id, created_at DESC, id)`: the search's order, so a page of a tenant's newest
    ///   users reads that page's rows and no more.
    ///
    /// The indexes are built inside the migration's transaction, which holds writes to `users`
    /// while it runs (seconds for a million users): run `migrate` at a quiet time.
    static let managementTokenExpiry = Migration(
        version: 10,
        name: "management token expiry and user search",
        statements: [
            "ALTER TABLE management_tokens ADD COLUMN expires_at timestamptz",
            "CREATE INDEX management_tokens_tenant ON management_tokens (tenant_id, created_at DESC)",
            "CREATE INDEX users_tenant_identifier ON users (tenant_id, identifier text_pattern_ops)",
            "CREATE INDEX users_tenant_created ON users (tenant_id, created_at DESC, id)",
        ]
    )
}
