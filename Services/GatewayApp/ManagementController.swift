import Events
import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import LoginCodes
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import TenantDirectory

/// The management API (Auth0's Management API v2, as far as users go), for the bearer of a
/// management token (`passwordless-admin token create`) with the route's scope:
/// - `POST /api/users` (the seed's call: registers the user and sends the code) and
///   `POST /api/v2/users` (creates without sending): `create:users`;
/// - `GET /api/v2/users` (search), `GET /api/v2/users/{id}`, `GET /api/v2/users-by-email`:
///   `read:users` (``ManagementController+Reads.swift``);
/// - `PATCH /api/v2/users/{id}`: `update:users`; `DELETE /api/v2/users/{id}`: `delete:users`
///   (``ManagementController+Changes.swift``).
///
/// Users are read and changed through ``UserDirectory``, so a change reaches the identity cache
/// (and the next `/passwordless/start`) at once.
struct ManagementController {
    let directory: Directory
    let starter: LoginStarter
    let users: UserDirectory
    let authorizer: ManagementAuthorizer
    /// `verification.pending` for the codes `POST /api/users` sends.
    let events: VerificationEvents

    init(
        directory: Directory, starter: LoginStarter, users: UserDirectory, postgres: PostgresClient, hasher: CredentialHasher,
        events: VerificationEvents, logger: Logger
    ) {
        self.events = events
        self.directory = directory
        self.starter = starter
        self.users = users
        self.authorizer = ManagementAuthorizer(
            directory: directory, tokens: ManagementTokenRepository(client: postgres, logger: logger), hasher: hasher)
    }

    func addRoutes(to router: Router<PasswordlessRequestContext>) {
        router.post("/api/users") { request, context in try await register(request, context: context, send: true) }
        router.post("/api/v2/users") { request, context in try await register(request, context: context, send: false) }
        router.get("/api/v2/users") { request, context in try await search(request, context: context) }
        router.get("/api/v2/users/:id") { request, context in try await show(request, context: context) }
        router.patch("/api/v2/users/:id") { request, context in try await change(request, context: context) }
        router.delete("/api/v2/users/:id") { request, context in try await delete(request, context: context) }
        router.get("/api/v2/users-by-email") { request, context in try await byEmail(request, context: context) }
    }

    /// The tenant of the request's management token, if it has `scope` (see ``ManagementAuthorizer``).
    func authorize(_ request: Request, scope: String) async throws -> Tenant {
        try await authorizer.authorize(request, scope: scope)
    }

    /// `POST /api/users` (`send`: registers the user if new and sends a code, 200) and
    /// `POST /api/v2/users` (creates without sending: 201, or 409 when the user exists).
    func register(_ request: Request, context: PasswordlessRequestContext, send: Bool) async throws -> EditedResponse<UserAnswer> {
        let tenant = try await authorize(request, scope: "create:users")
        let body = try await request.decode(as: UserRequest.self, context: context)
        try body.rejectUnknown()
        let connection = try await directory.connection(named: try body.connection.value, tenant: tenant)
        let recipient = try Recipient.parse(
            strategy: connection.strategy, phoneNumber: try body.phoneNumber.value, email: try body.email.value)
        let emailVerified = try body.emailVerified.value
        let phoneVerified = try body.phoneVerified.value
        _ = try body.verifyEmail.value
        // Auth0 lets the management API vouch for the address it registers.
        let verified = (connection.strategy == .email ? emailVerified : phoneVerified) ?? false

        let user: User
        let status: HTTPResponse.Status
        if send {
            let started: LoginStarter.Started
            do {
                let language = MessageLanguage(connection: connection).resolve(
                    requestLanguage: nil, acceptLanguage: nil, phoneNumber: connection.strategy == .sms ? recipient.normalized : nil,
                    defaultLanguage: connection.defaultLanguage)
                started = try await starter.start(
                    tenant: tenant, connection: connection, recipient: recipient, clientID: "", applicationName: tenant.name,
                    language: language, clientIP: nil, signupAllowed: true, verified: verified)
            } catch let refusal as LoginStarter.Refusal {
                throw refusal.apiError
            }
            context.logger.info(
                "code requested",
                metadata: ["tenant": "\(tenant.name)", "connection": "\(connection.name)", "job": "\(started.jobID ?? "none")"])
            await events.issued(started, tenant: tenant, connection: connection, recipient: recipient)
            (user, status) = (started.user, .ok)
        } else {
            let (found, created) = try await users.findOrCreate(
                tenantID: tenant.id, connection: connection, identifier: recipient.normalized, verified: verified)
            guard created else { throw APIError(status: 409, error: "auth0_idp_error", description: "The user already exists.") }
            (user, status) = (found, .created)
        }
        return EditedResponse(status: status, response: UserAnswer(user, connection: connection))
    }
}
