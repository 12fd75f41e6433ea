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

/// The user-management calls: the seed's `POST /api/users` (registers the user and sends the
/// code) and `POST /api/v2/users` (creates without sending), which need a management token
/// (`passwordless-admin token create`) with `create:users`; `GET /api/v2/users/{id}` and
/// `GET /api/v2/users-by-email`, which need `read:users`.
struct ManagementController {
    let directory: Directory
    let starter: LoginStarter
    let users: UserDirectory
    let tokens: ManagementTokenRepository
    let hasher: CredentialHasher
    /// `verification.pending` for the codes `POST /api/users` sends.
    let events: VerificationEvents
    private let tokenCache = TTLCache<String, ManagementToken>(ttl: .seconds(10))

    init(
        directory: Directory, starter: LoginStarter, users: UserDirectory, postgres: PostgresClient, hasher: CredentialHasher,
        events: VerificationEvents, logger: Logger
    ) {
        self.events = events
        self.directory = directory
        self.starter = starter
        self.users = users
        self.tokens = ManagementTokenRepository(client: postgres, logger: logger)
        self.hasher = hasher
    }

    func addRoutes(to router: Router<PasswordlessRequestContext>) {
        router.post("/api/users") { request, context in try await register(request, context: context, send: true) }
        router.post("/api/v2/users") { request, context in try await register(request, context: context, send: false) }
        router.get("/api/v2/users/:id") { request, context in try await show(request, context: context) }
        router.get("/api/v2/users-by-email") { request, context in try await byEmail(request, context: context) }
    }

    /// `GET /api/v2/users/{id}`: `{id}` is the user's `sub` (`sms|5f85…`) or its bare id.
    func show(_ request: Request, context: PasswordlessRequestContext) async throws -> UserAnswer {
        let tenant = try await authorize(request, scope: "read:users")
        let raw = context.parameters.get("id") ?? ""
        let reference = raw.removingPercentEncoding ?? raw
        let id = reference.split(separator: "|", maxSplits: 1).last.map(String.init) ?? reference
        guard let user = try await users.find(id: id), user.tenantID == tenant.id,
            let connection = try await directory.connection(id: user.connectionID),
            !reference.contains("|") || reference.hasPrefix(connection.name + "|")
        else {
            throw APIError(status: 404, error: "inexistent_user", description: "The user does not exist.")
        }
        return UserAnswer(user, connection: connection)
    }

    /// `GET /api/v2/users-by-email?email=…`: every user of the tenant with that address.
    func byEmail(_ request: Request, context: PasswordlessRequestContext) async throws -> [UserAnswer] {
        let tenant = try await authorize(request, scope: "read:users")
        guard let text = request.uri.queryParameters.get("email") else {
            throw APIError.badRequest("Missing required query parameter: email")
        }
        guard let address = EmailAddress(text) else {
            throw APIError(status: 400, error: "bad.email", description: "The email is not a valid address.")
        }
        var answers: [UserAnswer] = []
        for user in try await users.users.find(tenantID: tenant.id, email: address.address) {
            guard let connection = try await directory.connection(id: user.connectionID) else { continue }
            answers.append(UserAnswer(user, connection: connection))
        }
        return answers
    }

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
            guard created else { throw APIError(status: 409, error: "Conflict", description: "The user already exists.") }
            (user, status) = (found, .created)
        }
        return EditedResponse(status: status, response: UserAnswer(user, connection: connection))
    }

    /// The tenant of the request's management token, if it has `scope`; 401 or 403 otherwise.
    func authorize(_ request: Request, scope: String) async throws -> Tenant {
        let header = request.headers[.authorization] ?? ""
        guard header.lowercased().hasPrefix("bearer "), case let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces),
            !token.isEmpty
        else {
            throw APIError(status: 401, error: "unauthorized", description: "Missing or invalid management token.")
        }
        let digest = hasher.digest(token)
        let key = Hex.encode(digest)
        guard let record = try await tokenCache.value(for: key, load: { try await tokens.find(digest: digest) }),
            let tenant = try await directory.tenant(id: record.tenantID)
        else {
            throw APIError(status: 401, error: "unauthorized", description: "Missing or invalid management token.")
        }
        if let host = request.head.authority, let byHost = try await directory.resolveTenant(host: host, client: nil),
            byHost.id != tenant.id,
            try await directory.allTenants().count > 1
        {
            throw APIError(status: 401, error: "unauthorized", description: "Missing or invalid management token.")
        }
        guard record.scopes.contains(scope) else {
            throw APIError(status: 403, error: "insufficient_scope", description: "Insufficient scope, expected: \(scope)")
        }
        return tenant
    }
}
