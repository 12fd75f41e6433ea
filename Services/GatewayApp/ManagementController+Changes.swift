import HTTPService
import Hummingbird
import LoginCodes
import PasswordlessCore
import PasswordlessStorage

/// The management API's changes: `PATCH` (`update:users`) and `DELETE` (`delete:users`)
/// `/api/v2/users/{id}`, through ``UserDirectory``, so the next `/passwordless/start` and code
/// exchange see them at once (a blocked user gets 401 "user is blocked" there).
extension ManagementController {
    /// `PATCH /api/v2/users/{id}` with a ``UserChangeRequest``: 200 and the user as it is now; 409
    /// when the new email or phone number is another user's of the connection.
    func change(_ request: Request, context: PasswordlessRequestContext) async throws -> UserAnswer {
        let tenant = try await authorize(request, scope: "update:users")
        let body = try await request.decode(as: UserChangeRequest.self, context: context)
        try body.rejectUnknown()
        let target = try await UserReference.resolve(context, tenant: tenant, users: users, directory: directory)
        let changes = try body.changes(for: target.user, connection: target.connection)
        let changed: User?
        do {
            changed = try await saving(context) { try await users.update(id: target.user.id, changes) }
        } catch is UserRepository.IdentifierTaken {
            let what = target.connection.strategy == .sms ? "phone number" : "email address"
            throw APIError(status: 409, error: "auth0_idp_error", description: "Another user of the connection already has this \(what).")
        }
        guard let changed else { throw UserReference.inexistent }
        context.logger.info("user changed", metadata: ["tenant": "\(tenant.name)", "user": "\(changed.id)"])
        return UserAnswer(changed, connection: target.connection)
    }

    /// `DELETE /api/v2/users/{id}`: 204; the user's next start signs it up afresh (a new id).
    func delete(_ request: Request, context: PasswordlessRequestContext) async throws -> Response {
        let tenant = try await authorize(request, scope: "delete:users")
        let target = try await UserReference.resolve(context, tenant: tenant, users: users, directory: directory)
        guard try await saving(context, { try await users.delete(id: target.user.id) }) != nil else { throw UserReference.inexistent }
        context.logger.info("user deleted", metadata: ["tenant": "\(tenant.name)", "user": "\(target.user.id)"])
        return Response(status: .noContent)
    }

    /// `write`'s result; a change saved whose cached identity Redis did not drop is 503 (the
    /// same call again clears it), not a 500.
    private func saving<T>(_ context: PasswordlessRequestContext, _ write: () async throws -> T) async throws -> T {
        do {
            return try await write()
        } catch let error as UserDirectory.CacheNotCleared {
            context.logger.warning("user change saved, identity cache not cleared", metadata: ["error": "\(error)"])
            throw APIError.unavailable
        }
    }
}
