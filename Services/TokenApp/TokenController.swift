import Events
import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import Logging
import LoginCodes
import Metrics
import PasswordlessCore
import TenantDirectory
import Tokens

/// `POST /oauth/token` (Auth0's passwordless OTP grant, and the authorization-code grant that
/// finishes a sign-in link) and `POST /oauth/ro` (the seed's legacy resource-owner call). Codes
/// are checked with one atomic Redis script, then tokens issued; the login is written to
/// PostgreSQL afterwards, off the request's path.
struct TokenController {
    let directory: Directory
    let codes: CodeStore
    let issuer: TokenIssuer
    let authenticator: ClientAuthenticator
    let recorder: LoginRecorder
    let authorizationCodes: AuthorizationCodeStore
    /// Where a verified code's user is checked for a block (the identity cache, else PostgreSQL).
    let users: UserDirectory
    /// `verification.approved` and `verification.failed` for the tenant's hooks.
    let events: VerificationEvents

    static let otpGrant = "http://auth0.com/oauth/grant-type/passwordless/otp"

    func addRoutes(to router: Router<PasswordlessRequestContext>) {
        router.post("/oauth/token") { request, context in try await token(request, context: context).uncached }
        router.post("/oauth/ro") { request, context in try await resourceOwner(request, context: context).uncached }
    }

    func token(_ request: Request, context: PasswordlessRequestContext) async throws -> TokenAnswer {
        let body = try await request.decode(as: TokenRequest.self, context: context)
        // The grant decides which properties are known, so it is checked first.
        let grant = try Self.required(body.grantType, "grant_type")
        guard grant == Self.otpGrant || grant == Client.GrantType.authorizationCode.oauthName else {
            throw APIError(status: 400, error: "unsupported_grant_type", description: "Unsupported grant type: \(APIError.echo(grant))")
        }
        try body.rejectUnknown()
        if grant != Self.otpGrant { return try await exchange(body, request: request, context: context) }
        let caller = try await authenticate(request, clientID: body.clientID, clientSecret: body.clientSecret, grant: .otp)
        let tenant = caller.tenant
        let realm = try Self.required(body.realm, "realm")
        let username = try Self.required(body.username, "username")
        let otp = try Self.required(body.otp, "otp")
        guard let connection = try await directory.connection(tenantID: tenant.id, name: realm) else {
            throw Self.invalidRequest("Unknown realm: \(APIError.echo(realm))")
        }
        let api = try await directory.resourceServer(tenant: tenant, audience: try body.audience.value)
        let issued = try await redeem(
            otp, username: username, connection: connection, caller: caller, scope: body.scope, api: api, context: context,
            refusal: { APIError(status: 403, error: "invalid_grant", description: $0) })
        return .otp(issued)
    }

    func resourceOwner(_ request: Request, context: PasswordlessRequestContext) async throws -> TokenAnswer {
        let body = try await request.decode(as: ResourceOwnerRequest.self, context: context)
        guard try body.grantType.value == "password" else {
            throw APIError(status: 400, error: "unsupported_grant_type", description: "grant_type must be password")
        }
        try body.rejectUnknown()
        let caller = try await authenticate(request, clientID: body.clientID, clientSecret: body.clientSecret, grant: .password)
        let tenant = caller.tenant
        let name = try Self.required(body.connection, "connection")
        let username = try Self.required(body.username, "username")
        let password = try Self.required(body.password, "password")
        guard let connection = try await directory.connection(tenantID: tenant.id, name: name) else {
            throw APIError(status: 400, error: "invalid_connection", description: "Connection does not exist")
        }
        let issued = try await redeem(
            password, username: username, connection: connection, caller: caller, scope: body.scope, defaultScope: "openid", api: nil,
            context: context, refusal: { APIError(status: 401, error: "invalid_user_password", description: $0) })
        return .resourceOwner(issued)
    }

    // MARK: Shared steps

    /// OAuth's errors for a caller that does not authenticate a client: 400 `invalid_request`
    /// for malformed credentials or no `client_id`; 401 `invalid_client` (with
    /// `WWW-Authenticate`) for an unknown client, a missing or wrong secret; 403 for a page
    /// origin the client does not list or a grant it does not have.
    static func refusal(_ failure: ClientAuthenticator.Failure) -> APIError {
        switch failure {
        case .malformed(let description): invalidRequest(description)
        case .missingClientID: invalidRequest("Missing required parameter: client_id")
        case .emptyClientID, .unknownClient: invalidClient("Unknown client.")
        case .originNotAllowed(let origin): OriginPolicy.refusal(origin: origin)
        case .unauthenticated(let secretGiven):
            invalidClient(secretGiven ? "Client authentication failed." : "Client authentication is required.")
        case .grantNotAllowed(let grant):
            APIError(status: 403, error: "unauthorized_client", description: "Grant type '\(grant.oauthName)' not allowed for the client.")
        }
    }

    /// The calling client, authenticated as its type requires and allowed `grant`, or the token
    /// routes' refusal (401 `invalid_client`, 403 `unauthorized_client`, 400 for malformed credentials).
    func authenticate(
        _ request: Request, clientID: BodyProperty<String>, clientSecret: BodyProperty<String>, grant: Client.GrantType
    ) async throws -> ClientAuthenticator.Authenticated {
        try await authenticator.authenticate(request, clientID: try clientID.value, clientSecret: try clientSecret.value, grant: grant)
            .mapError(Self.refusal).get()
    }

    /// A property the grant needs, or 400 `invalid_request` naming it.
    static func required(_ property: BodyProperty<String>, _ name: String) throws -> String {
        guard let value = try property.value else { throw invalidRequest("Missing required parameter: \(name)") }
        return value
    }

    /// The authorization-code grant (RFC 6749 §4.1.3): the code a sign-in link produced, for the
    /// client it was issued to, with the same `redirect_uri` and, when the link carried a PKCE
    /// challenge, the verifier that answers it. Public clients always have one (the link
    /// required it); confidential clients authenticate. The code is spent by the first try, and
    /// every mismatch is 403 `invalid_grant`.
    func exchange(_ body: TokenRequest, request: Request, context: PasswordlessRequestContext) async throws -> TokenAnswer {
        let caller = try await authenticate(request, clientID: body.clientID, clientSecret: body.clientSecret, grant: .authorizationCode)
        let code = try Self.required(body.code, "code")
        let redirectURI = try body.redirectURI.value
        let verifier = try body.codeVerifier.value
        let invalid = { (description: String) in APIError(status: 403, error: "invalid_grant", description: description) }
        guard let grant = try await authorizationCodes.redeem(code), grant.tenantID == caller.tenant.id,
            grant.clientID == caller.client.clientID
        else {
            throw invalid("Invalid authorization code")
        }
        guard redirectURI == grant.redirectURI else { throw invalid("The redirect_uri does not match the one the code was issued for.") }
        guard grant.accepts(verifier: verifier) else { throw invalid("Failed to verify code verifier") }
        guard let connection = try await directory.connection(id: grant.connectionID),
            let recipient = Recipient(grant.recipient, strategy: connection.strategy)
        else {
            throw invalid("Invalid authorization code")
        }
        switch try await users.standing(userID: grant.userID, connectionID: connection.id, identifier: recipient.normalized) {
        case .active: break
        case .blocked: throw APIError.userBlocked
        case .missing: throw invalid("Invalid authorization code")
        }
        let api = try await directory.resourceServer(tenant: caller.tenant, audience: grant.audience)
        let issued = try await issuer.issue(
            tenant: caller.tenant, client: caller.client, connection: connection, userID: grant.userID, recipient: recipient,
            scope: grant.scope, api: api, nonce: grant.nonce)
        recorder.record(userID: grant.userID)
        context.logger.info("authorization code exchanged", metadata: ["connection": "\(connection.name)"])
        return .otp(issued)
    }

    /// Both grants' last steps: the recipient the username names, the code checked (and spent),
    /// the tokens issued and the login recorded. The scope is read only after the code checks,
    /// as Auth0 does; every refusal is `refusal(description)` in the route's own error.
    func redeem(
        _ code: String, username: String, connection: Connection, caller: ClientAuthenticator.Authenticated, scope: BodyProperty<String>,
        defaultScope: String? = nil, api: ResourceServer?, context: PasswordlessRequestContext, refusal: (String) -> APIError
    ) async throws -> TokenIssuer.Issued {
        let recipient = try Self.recipient(username, connection: connection, refusal: refusal)
        let userID = try await verify(
            otp: code, recipient: recipient, connection: connection, clientID: caller.client.clientID, context: context, refusal: refusal)
        let issued = try await issuer.issue(
            tenant: caller.tenant, client: caller.client, connection: connection, userID: userID, recipient: recipient,
            scope: try scope.value ?? defaultScope, api: api)
        recorder.record(userID: userID)
        return issued
    }

    static func invalidClient(_ description: String) -> APIError {
        APIError(
            status: 401, error: "invalid_client", description: description,
            headers: ["WWW-Authenticate": "Basic realm=\"passwordless\", charset=\"UTF-8\""])
    }

    /// The recipient the username names; a malformed one is refused as a wrong code.
    static func recipient(_ username: String, connection: Connection, refusal: (String) -> APIError) throws -> Recipient {
        guard let recipient = Recipient(username, strategy: connection.strategy) else { throw refusal(wrongCode(connection)) }
        return recipient
    }

    static func wrongCode(_ connection: Connection) -> String {
        connection.strategy == .email ? "Wrong email or verification code." : "Wrong phone number or verification code."
    }

    /// Checks the code for `clientID` (empty: any client) and returns the user id it was issued
    /// to, spending the code unless `consume` is false; every failure becomes
    /// `refusal(description)` with Auth0's wording. A right code of a blocked user is 401
    /// `unauthorized` "user is blocked"; of a user deleted since, a wrong code.
    func verify(
        otp: String, recipient: Recipient, connection: Connection, clientID: String, context: PasswordlessRequestContext,
        consume: Bool = true, refusal: (String) -> APIError
    )
        async throws -> String
    {
        let (outcome, identity) = try await check(
            otp, recipient: recipient, connection: connection, clientID: clientID, request: nil, consume: consume, context: context)
        switch outcome {
        case .verified(let userID) where !userID.isEmpty:
            switch try await users.standing(
                userID: userID, connectionID: connection.id, identifier: recipient.normalized, cached: identity)
            {
            case .active:
                report(outcome, spent: consume, connection: connection, recipient: recipient)
                return userID
            case .blocked: throw APIError.userBlocked
            case .missing: throw refusal(Self.wrongCode(connection))
            }
        case .verified, .wrong, .missing: throw refusal(Self.wrongCode(connection))
        case .exhausted: throw refusal("You've reached the maximum number of attempts. Please try to login again.")
        case .expired: throw refusal("The verification code has expired. Please try to login again.")
        case .locked(let retryAfter):
            throw APIError(
                status: 429, error: "too_many_requests", description: "Too many failed attempts for this user. Please try again later.",
                retryAfter: retryAfter)
        }
    }

    /// One code check, logged and counted: every route that checks a code comes through here.
    /// `clientID` and `request` are what the code must be bound to (see ``CodeStore/verify``).
    /// The recipient's cached identity comes back with it, read in the same round trip, for the
    /// check of a right code's user (``UserDirectory/standing(userID:connectionID:identifier:cached:)``).
    func check(
        _ code: String, recipient: Recipient, connection: Connection, clientID: String, request: String?, consume: Bool,
        context: PasswordlessRequestContext
    ) async throws -> (outcome: CodeStore.Outcome, identity: IdentityCache.Entry?) {
        let (outcome, identity) = try await codes.verifyReadingIdentity(
            code: code, connection: connection.id, recipient: recipient, limits: connection.limits, clientID: clientID, request: request,
            consume: consume)
        context.logger.info("code checked", metadata: ["connection": "\(connection.name)", "outcome": "\(outcome.label)"])
        Self.verifications[outcome.label]?.increment()
        // A right code is approved only once its user is known to be active (the callers report it).
        if case .verified = outcome {} else { report(outcome, spent: consume, connection: connection, recipient: recipient) }
        return (outcome, identity)
    }

    /// Tells the tenant's hooks how a code check ended (`verification.approved` for a spent right
    /// code of an active user, `verification.failed` for a wrong one), in a task of its own: a
    /// slow hook lookup or Redis never holds up the answer.
    func report(_ outcome: CodeStore.Outcome, spent: Bool, connection: Connection, recipient: Recipient) {
        let (events, address) = (events, recipient.normalized)
        Task { await events.checked(outcome, spent: spent, connection: connection, recipient: address) }
    }

    /// `passwordless_verifications_total{outcome}`, made once per outcome.
    static let verifications: [String: Counter] = Dictionary(
        uniqueKeysWithValues: CodeStore.Outcome.labels.map {
            ($0, Counter(label: "passwordless_verifications_total", dimensions: [("outcome", $0)]))
        })

    static func invalidRequest(_ description: String) -> APIError {
        APIError(status: 400, error: "invalid_request", description: description)
    }
}
