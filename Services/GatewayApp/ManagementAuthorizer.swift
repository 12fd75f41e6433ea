import Foundation
import HTTPService
import Hummingbird
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import TenantDirectory

/// Who may call the management API: the bearer of a live management token
/// (`passwordless-admin token create`) with the route's scope, for the token's own tenant.
///
/// Tokens are remembered for ``cacheTTL`` so a burst of calls costs one PostgreSQL read. The
/// cache never extends a token's life: its `expires_at` is checked on every call, so an expired
/// token is refused at once. A revocation (`token revoke`) is seen within ``cacheTTL``.
struct ManagementAuthorizer: Sendable {
    static let cacheTTL: Duration = .seconds(10)

    let directory: Directory
    let tokens: ManagementTokenRepository
    let hasher: CredentialHasher
    private let cache = TTLCache<String, ManagementToken>(ttl: cacheTTL)

    init(directory: Directory, tokens: ManagementTokenRepository, hasher: CredentialHasher) {
        self.directory = directory
        self.tokens = tokens
        self.hasher = hasher
    }

    static let unauthorized = APIError(status: 401, error: "unauthorized", description: "Missing or invalid management token.")

    /// The tenant of the request's management token, if it has `scope`; 401 `unauthorized` for
    /// a missing, unknown, expired or revoked token or one of another tenant than the request's
    /// host, 403 `insufficient_scope` for a token without the scope.
    func authorize(_ request: Request, scope: String) async throws -> Tenant {
        let header = request.headers[.authorization] ?? ""
        guard header.lowercased().hasPrefix("bearer "), case let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces),
            !token.isEmpty
        else { throw Self.unauthorized }
        let digest = hasher.digest(token)
        guard let record = try await cache.value(for: Hex.encode(digest), load: { try await tokens.find(digest: digest) }),
            record.state() == .live,
            let tenant = try await directory.tenant(id: record.tenantID)
        else { throw Self.unauthorized }
        if let host = request.head.authority, let byHost = try await directory.resolveTenant(host: host, client: nil),
            byHost.id != tenant.id,
            try await directory.allTenants().count > 1
        {
            throw Self.unauthorized
        }
        guard record.scopes.contains(scope) else {
            throw APIError(status: 403, error: "insufficient_scope", description: "Insufficient scope, expected: \(scope)")
        }
        return tenant
    }
}
