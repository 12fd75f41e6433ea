import HTTPService
import PasswordlessCore
import TenantDirectory

extension Directory {
    /// The tenant's connection a start or a registration names in `connection`, or Auth0's
    /// 400 `bad.connection` when it is missing or unknown.
    func connection(named name: String?, tenant: Tenant) async throws -> Connection {
        guard let name else {
            throw APIError(status: 400, error: "bad.connection", description: "Missing required property: connection")
        }
        guard let connection = try await connection(tenantID: tenant.id, name: name) else {
            throw APIError(status: 400, error: "bad.connection", description: "Connection does not exist")
        }
        return connection
    }
}
