import Foundation
import HTTPService
import Hummingbird
import LoginCodes
import PasswordlessCore
import TenantDirectory

/// The `{id}` of `/api/v2/users/{id}`: the user's `sub` (`sms|5f85…`) or its bare id, resolved
/// to a user of the caller's tenant and its connection.
struct UserReference {
    let user: User
    let connection: Connection

    /// 404 `inexistent_user`, as Auth0 answers for an id it does not know.
    static let inexistent = APIError(status: 404, error: "inexistent_user", description: "The user does not exist.")

    /// The user `{id}` names in `tenant`; ``inexistent`` when there is none (or it is another
    /// tenant's, or the `sub` names another connection).
    static func resolve(
        _ context: PasswordlessRequestContext, tenant: Tenant, users: UserDirectory, directory: Directory
    ) async throws -> UserReference {
        let raw = context.parameters.get("id") ?? ""
        let reference = raw.removingPercentEncoding ?? raw
        let id = reference.split(separator: "|", maxSplits: 1).last.map(String.init) ?? reference
        // Ids are 24 hex digits (`User.generateID()`); anything else names nobody, and is not worth a query.
        guard id.utf8.count == 24, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }),
            let user = try await users.find(id: id), user.tenantID == tenant.id,
            let connection = try await directory.connection(id: user.connectionID),
            !reference.contains("|") || reference.hasPrefix(connection.name + "|")
        else { throw inexistent }
        return UserReference(user: user, connection: connection)
    }
}
