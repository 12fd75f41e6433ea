extension Migration {
    /// Event hooks (`passwordless-admin hook create`): where a tenant's signed event POSTs go,
    /// which events, and the signing secret sealed under the secrets-at-rest key.
    static let hooks = Migration(
        version: 9,
        name: "event hooks",
        statements: [
            """
            CREATE TABLE hooks (
                id uuid PRIMARY KEY,
                tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
                url text NOT NULL,
                events text[] NOT NULL,
                secret_sealed bytea NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX hooks_tenant_id ON hooks (tenant_id)",
        ]
    )
}
