extension Migration {
    /// Tenants, clients, connections, users, signing keys and management tokens.
    ///
    /// Secrets are never stored in clear: `*_hash` columns hold HMAC-SHA256 digests under the
    /// credential-hash key, `*_sealed` columns hold AES-GCM boxes under the secrets-at-rest key
    /// (both derived from the master key). Users are unique per tenant, connection and
    /// identifier; emails are stored in lower case and phone numbers in E.164, and the checks
    /// below refuse anything else, so no caller can write an unnormalised duplicate.
    static let initialSchema = Migration(
        version: 1,
        name: "initial schema",
        statements: [
            """
            CREATE TABLE tenants (
                id uuid PRIMARY KEY,
                name text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
                domain text NOT NULL UNIQUE CHECK (domain = lower(domain) AND domain <> ''),
                created_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE clients (
                client_id text PRIMARY KEY,
                tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                name text NOT NULL,
                jwt_alg text NOT NULL DEFAULT 'RS256' CHECK (jwt_alg IN ('RS256', 'ES256', 'HS256')),
                secret_hash bytea,
                secret_sealed bytea,
                created_at timestamptz NOT NULL DEFAULT now(),
                CHECK (jwt_alg <> 'HS256' OR secret_sealed IS NOT NULL)
            )
            """,
            "CREATE INDEX clients_tenant ON clients (tenant_id)",
            """
            CREATE TABLE connections (
                id uuid PRIMARY KEY,
                tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                name text NOT NULL,
                strategy text NOT NULL CHECK (strategy IN ('sms', 'email')),
                provider text NOT NULL CHECK (provider IN ('twilio', 'smtp', 'webhook', 'outbox')),
                settings jsonb NOT NULL DEFAULT '{}'::jsonb,
                credentials_sealed bytea,
                template text,
                subject text,
                code_length integer NOT NULL DEFAULT 6 CHECK (code_length BETWEEN 4 AND 10),
                code_ttl_seconds integer NOT NULL DEFAULT 600 CHECK (code_ttl_seconds BETWEEN 1 AND 86400),
                disable_signup boolean NOT NULL DEFAULT false,
                created_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (tenant_id, name)
            )
            """,
            """
            CREATE TABLE users (
                id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{24}$'),
                tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                connection_id uuid NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
                identifier text NOT NULL,
                email text CHECK (email = lower(email) AND email LIKE '_%@_%'),
                phone_number text CHECK (phone_number ~ '^\\+[0-9]{1,15}$'),
                email_verified boolean NOT NULL DEFAULT false,
                phone_verified boolean NOT NULL DEFAULT false,
                logins_count integer NOT NULL DEFAULT 0,
                last_login timestamptz,
                created_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                UNIQUE (tenant_id, connection_id, identifier),
                CHECK (identifier = coalesce(email, phone_number))
            )
            """,
            """
            CREATE TABLE signing_keys (
                kid text PRIMARY KEY,
                tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                algorithm text NOT NULL CHECK (algorithm IN ('RS256', 'ES256')),
                private_key_sealed bytea NOT NULL,
                public_jwk jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                retired_at timestamptz
            )
            """,
            "CREATE INDEX signing_keys_tenant ON signing_keys (tenant_id, created_at DESC)",
            """
            CREATE TABLE management_tokens (
                id uuid PRIMARY KEY,
                tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
                token_hash bytea NOT NULL UNIQUE,
                scopes text[] NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                revoked_at timestamptz
            )
            """,
        ]
    )
}
