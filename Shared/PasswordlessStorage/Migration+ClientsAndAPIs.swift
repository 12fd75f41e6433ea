extension Migration {
    /// Client types, callbacks, web origins and grant types, and the tenants' APIs.
    ///
    /// Clients that already have a secret become confidential, so from this version on they must
    /// present it; every other client is public. Grant types default to what every client could
    /// do before (the OTP grant and the seed's `/oauth/ro`, plus authorization codes for links).
    static let clientsAndAPIs = Migration(
        version: 3,
        name: "client types and APIs",
        statements: [
            """
            ALTER TABLE clients
                ADD COLUMN app_type text NOT NULL DEFAULT 'public' CHECK (app_type IN ('public', 'confidential')),
                ADD COLUMN callbacks text[] NOT NULL DEFAULT '{}',
                ADD COLUMN web_origins text[] NOT NULL DEFAULT '{}',
                ADD COLUMN grant_types text[] NOT NULL DEFAULT '{otp,authorization_code,password}'
            """,
            "UPDATE clients SET app_type = 'confidential' WHERE secret_hash IS NOT NULL",
            "ALTER TABLE clients ADD CONSTRAINT clients_confidential_secret CHECK (app_type = 'public' OR secret_hash IS NOT NULL)",
            """
            CREATE TABLE apis (
                id uuid PRIMARY KEY,
                tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                identifier text NOT NULL CHECK (identifier <> ''),
                scopes text[] NOT NULL DEFAULT '{}',
                token_lifetime integer NOT NULL DEFAULT 86400 CHECK (token_lifetime BETWEEN 60 AND 2592000),
                created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (tenant_id, identifier)
            )
            """,
        ]
    )
}
