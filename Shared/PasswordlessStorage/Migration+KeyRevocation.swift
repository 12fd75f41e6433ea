extension Migration {
    /// Early revocation of signing keys (`passwordless-admin keys revoke`): a revoked key leaves
    /// the JWKS at once instead of at the end of its grace period, and never signs again.
    static let keyRevocation = Migration(
        version: 11,
        name: "signing key revocation",
        statements: ["ALTER TABLE signing_keys ADD COLUMN revoked_at timestamptz"]
    )
}
