import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import PasswordlessCore
import PasswordlessFlow
import ServiceRuntime

/// `POST /oauth/token` (Auth0's passwordless OTP grant) and `POST /oauth/ro` (the seed's legacy
/// resource-owner call). Both check the code with one atomic Redis script, then issue tokens;
/// the login is written to PostgreSQL afterwards, off the request's path.
struct TokenController {
    let directory: Directory
    let codes: CodeStore
    let issuer: TokenIssuer
    let hasher: CredentialHasher
    let recorder: LoginRecorder

    static let otpGrant = "http://auth0.com/oauth/grant-type/passwordless/otp"
    static let tokenFields: Set<String> = [
        "grant_type", "client_id", "client_secret", "username", "otp", "realm", "scope", "audience", "nonce",
    ]
    static let roFields: Set<String> = ["client_id", "client_secret", "username", "password", "connection", "grant_type", "scope", "device", "id_token"]

    func addRoutes(to router: Router<PasswordlessRequestContext>) {
        router.post("/oauth/token") { request, context in try await token(request, context: context) }
        router.post("/oauth/ro") { request, context in try await resourceOwner(request, context: context) }
    }

    func token(_ request: Request, context: PasswordlessRequestContext) async throws -> Response {
        let fields = try await RequestFields.parse(request)
        try fields.rejectUnknown(allowed: Self.tokenFields)
        guard let grant = try fields.string("grant_type") else { throw Self.invalidRequest("Missing required parameter: grant_type") }
        guard grant == Self.otpGrant else {
            throw APIError(status: 400, error: "unsupported_grant_type", description: "Unsupported grant type: \(grant)")
        }
        let (tenant, client) = try await authenticate(fields, request: request)
        guard let realm = try fields.string("realm") else { throw Self.invalidRequest("Missing required parameter: realm") }
        guard let username = try fields.string("username") else { throw Self.invalidRequest("Missing required parameter: username") }
        guard let otp = try fields.string("otp") else { throw Self.invalidRequest("Missing required parameter: otp") }
        guard let connection = try await directory.connection(tenantID: tenant.id, name: realm) else {
            throw Self.invalidRequest("Unknown realm: \(realm)")
        }
        let refusal = { (description: String) in APIError(status: 403, error: "invalid_grant", description: description) }
        let recipient = try Self.recipient(username, connection: connection, refusal: refusal)
        let userID = try await verify(otp: otp, recipient: recipient, connection: connection, context: context, refusal: refusal)
        let issued = try await issuer.issue(
            tenant: tenant, client: client, connection: connection, userID: userID, recipient: recipient, scope: try fields.string("scope"),
            audience: try fields.string("audience"))
        recorder.record(userID: userID)
        var body: [String: Any] = [
            "access_token": issued.accessToken, "token_type": "Bearer", "expires_in": TokenIssuer.accessTokenLifetime, "scope": issued.scope,
        ]
        if let idToken = issued.idToken { body["id_token"] = idToken }
        return try JSONResponse.make(object: body, headers: Self.noStore)
    }

    func resourceOwner(_ request: Request, context: PasswordlessRequestContext) async throws -> Response {
        let fields = try await RequestFields.parse(request)
        try fields.rejectUnknown(allowed: Self.roFields)
        guard try fields.string("grant_type") == "password" else {
            throw APIError(status: 400, error: "unsupported_grant_type", description: "grant_type must be password")
        }
        let (tenant, client) = try await authenticate(fields, request: request)
        guard let name = try fields.string("connection") else { throw Self.invalidRequest("Missing required parameter: connection") }
        guard let username = try fields.string("username") else { throw Self.invalidRequest("Missing required parameter: username") }
        guard let password = try fields.string("password") else { throw Self.invalidRequest("Missing required parameter: password") }
        guard let connection = try await directory.connection(tenantID: tenant.id, name: name) else {
            throw APIError(status: 400, error: "invalid_connection", description: "Connection does not exist")
        }
        let refusal = { (description: String) in APIError(status: 401, error: "invalid_user_password", description: description) }
        let recipient = try Self.recipient(username, connection: connection, refusal: refusal)
        let userID = try await verify(otp: password, recipient: recipient, connection: connection, context: context, refusal: refusal)
        let issued = try await issuer.issue(
            tenant: tenant, client: client, connection: connection, userID: userID, recipient: recipient,
            scope: try fields.string("scope") ?? "openid", audience: nil)
        recorder.record(userID: userID)
        var body: [String: Any] = ["access_token": issued.accessToken, "token_type": "bearer"]
        if let idToken = issued.idToken { body["id_token"] = idToken }
        return try JSONResponse.make(object: body, headers: Self.noStore)
    }

    // MARK: Shared steps

    /// The client and its tenant; 401 `invalid_client` for an unknown client or a wrong secret.
    func authenticate(_ fields: RequestFields, request: Request) async throws -> (Tenant, Client) {
        guard let clientID = try fields.string("client_id") else { throw Self.invalidRequest("Missing required parameter: client_id") }
        guard let client = try await directory.client(id: clientID),
            let tenant = try await directory.resolveTenant(host: request.head.authority, client: client)
        else {
            throw APIError(status: 401, error: "invalid_client", description: "Unknown client.")
        }
        if let secret = try fields.string("client_secret") {
            guard let digest = client.secretDigest, hasher.matches(secret, digest: digest) else {
                throw APIError(status: 401, error: "invalid_client", description: "Client authentication failed.")
            }
        }
        return (tenant, client)
    }

    /// The normalised recipient the username names; a malformed one is refused as a wrong code.
    static func recipient(_ username: String, connection: Connection, refusal: (String) -> APIError) throws -> String {
        let recipient: String? =
            switch connection.strategy {
            case .sms: PhoneNumber(username)?.e164
            case .email: EmailAddress(username)?.address
            }
        guard let recipient else { throw refusal(wrongCode(connection)) }
        return recipient
    }

    static func wrongCode(_ connection: Connection) -> String {
        connection.strategy == .email ? "Wrong email or verification code." : "Wrong phone number or verification code."
    }

    /// Checks the code and returns the user id it was issued to; every failure becomes
    /// `refusal(description)` with Auth0's wording.
    func verify(otp: String, recipient: String, connection: Connection, context: PasswordlessRequestContext, refusal: (String) -> APIError)
        async throws -> String
    {
        let outcome = try await codes.verify(code: otp, connection: connection.id, recipient: recipient, limits: connection.limits)
        context.logger.info("code checked", metadata: ["connection": "\(connection.name)", "outcome": "\(outcome.label)"])
        Self.verifications[outcome.label]?.increment()
        switch outcome {
        case .verified(let userID): return userID
        case .wrong, .missing: throw refusal(Self.wrongCode(connection))
        case .exhausted: throw refusal("You've reached the maximum number of attempts. Please try to login again.")
        case .expired: throw refusal("The verification code has expired. Please try to login again.")
        case .locked(let retryAfter):
            throw APIError(
                status: 429, error: "too_many_requests", description: "Too many failed attempts for this user. Please try again later.",
                retryAfter: retryAfter)
        }
    }

    /// `passwordless_verifications_total{outcome}`, made once per outcome.
    static let verifications: [String: Counter] = Dictionary(
        uniqueKeysWithValues: ["verified", "wrong", "exhausted", "expired", "missing", "locked"].map {
            ($0, Counter(label: "passwordless_verifications_total", dimensions: [("outcome", $0)]))
        })

    static func invalidRequest(_ description: String) -> APIError {
        APIError(status: 400, error: "invalid_request", description: description)
    }

    static let noStore: HTTPFields = [.cacheControl: "no-store", HTTPField.Name("Pragma")!: "no-cache"]
}

extension CodeStore.Outcome {
    /// A fixed label for logs and metrics (never the user id).
    var label: String {
        switch self {
        case .verified: "verified"
        case .wrong: "wrong"
        case .exhausted: "exhausted"
        case .expired: "expired"
        case .missing: "missing"
        case .locked: "locked"
        }
    }
}
