import PasswordlessCore
import TenantDirectory

extension Directory {
    /// The tenant's API named by `audience` (none without one); 403 `access_denied` "Service not
    /// found" for an audience the tenant never registered. The start of a link and the token
    /// routes refuse an unknown audience alike, before anything is written or spent.
    public func resourceServer(tenant: Tenant, audience: String?) async throws -> ResourceServer? {
        guard let audience, !audience.isEmpty else { return nil }
        guard let api = try await api(tenantID: tenant.id, audience: audience) else {
            throw APIError(status: 403, error: "access_denied", description: "Service not found: \(APIError.echo(audience))")
        }
        return api
    }
}
