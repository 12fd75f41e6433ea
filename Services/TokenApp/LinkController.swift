import Foundation
import HTTPService
import HTTPTypes
import Hummingbird
import Logging
import LoginCodes
import PasswordlessCore
import TenantDirectory
import Tokens

/// The sign-in link's routes.
///
/// - `GET`/`HEAD /passwordless/verify_redirect`: the page the emailed link opens. It checks
///   that the link names a real client, connection and callback, and never touches the code:
///   email scanners that open links (with or without JavaScript) spend nothing and learn
///   nothing.
/// - `POST /passwordless/verify_redirect`: the page's Continue button. The code is checked and
///   spent by the same atomic script as a typed code, then the browser is sent to the
///   `redirect_uri` with an authorization code (query) or tokens (fragment), as Auth0 does.
/// - `POST /passwordless/verify`: auth0.js's `passwordlessVerify` checks a typed code here
///   before it opens the link; a right code stays usable for that link.
struct LinkController {
    let tokens: TokenController

    var directory: Directory { tokens.directory }

    func addRoutes(to router: Router<PasswordlessRequestContext>) {
        router.get(RouterPath(SignInLink.path)) { request, context in
            try await open(LinkParameters(Self.query(request)), request: request, context: context)
        }
        router.head(RouterPath(SignInLink.path)) { request, context in
            var response = try await open(LinkParameters(Self.query(request)), request: request, context: context)
            response.body = .init()
            return response
        }
        router.post(RouterPath(SignInLink.path)) { request, context in try await use(request, context: context) }
        router.post("/passwordless/verify") { request, context in try await verify(request, context: context) }
    }

    /// A link whose parts all exist and agree: what the Continue page shows and the code check needs.
    struct Resolved {
        var tenant: Tenant
        var client: Client
        var connection: Connection
        var recipient: Recipient
        var code: String
        var authorization: AuthorizationRequest
        var api: ResourceServer?
        var home: String? { LinkPage.home(of: authorization.redirectURI) }
    }

    /// The Continue page, or the page that says why the link is not valid.
    func open(_ link: LinkParameters, request: Request, context: PasswordlessRequestContext) async throws -> Response {
        do throws(LinkRefusal) {
            let resolved = try await resolve(link, request: request, context: context)
            return LinkPage.continuePage(
                application: resolved.client.name, username: resolved.recipient.normalized, link: link,
                redirectURI: resolved.authorization.redirectURI)
        } catch {
            return error.page
        }
    }

    /// Checks and spends the link's code, then redirects to the callback.
    ///
    /// Only the page's own form may do this: a browser marks a post from another site
    /// (`Sec-Fetch-Site: cross-site` or `same-site`), and such a post is refused before the code
    /// is looked at, so no other page can sign a visitor in as someone else (login CSRF). The
    /// body must be the form's (`application/x-www-form-urlencoded`).
    func use(_ request: Request, context: PasswordlessRequestContext) async throws -> Response {
        var body = try await request.body.collect(upTo: BodyDecoder.limit)
        let text = String(decoding: body.readBytes(length: body.readableBytes) ?? [], as: UTF8.self)
        let link = LinkParameters(BodyDecoder.form(text).compactMapValues(\.string))
        do throws(LinkRefusal) {
            if let site = request.headers[Self.fetchSite], site != "same-origin", site != "none" { throw LinkRefusal.crossSite }
            guard request.headers[.contentType].map(BodyDecoder.mediaType) == "application/x-www-form-urlencoded" else {
                throw LinkRefusal.malformed()
            }
            let resolved = try await resolve(link, request: request, context: context)
            let userID = try await spend(resolved, context: context)
            return try await redirect(resolved, userID: userID, context: context)
        } catch {
            return error.page
        }
    }

    /// `Sec-Fetch-Site`, which browsers set on every request: where the request comes from.
    static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// `POST /passwordless/verify`: 200 `{}` when the code is right (it stays usable), otherwise
    /// the OTP grant's errors.
    func verify(_ request: Request, context: PasswordlessRequestContext) async throws -> VerifyAnswer {
        let body = try await request.decode(as: VerifyRequest.self, context: context)
        try body.rejectUnknown()
        var client: Client?
        if let id = try body.clientID.value {
            guard let named = try await directory.client(id: id) else {
                throw APIError(status: 400, error: "bad.client_id", description: "Unknown client: \(APIError.echo(id))")
            }
            client = named
        }
        guard let tenant = try await directory.resolveTenant(host: request.head.authority, client: client) else {
            throw APIError(status: 400, error: "bad.client_id", description: "The request names no tenant: send client_id.")
        }
        guard let name = try body.connection.value else {
            throw APIError(status: 400, error: "bad.connection", description: "Missing required property: connection")
        }
        guard let connection = try await directory.connection(tenantID: tenant.id, name: name) else {
            throw APIError(status: 400, error: "bad.connection", description: "Connection does not exist")
        }
        guard let code = try body.verificationCode.value else {
            throw APIError.badRequest("Missing required property: verification_code")
        }
        let refusal = { (description: String) in APIError(status: 403, error: "invalid_grant", description: description) }
        let username = connection.strategy == Connection.Strategy.email ? try body.email.value : try body.phoneNumber.value
        let recipient = try TokenController.recipient(username ?? "", connection: connection, refusal: refusal)
        _ = try await tokens.verify(
            otp: code, recipient: recipient, connection: connection, clientID: client?.clientID ?? "", context: context, consume: false,
            refusal: refusal)
        return VerifyAnswer()
    }

    // MARK: Steps

    /// The link's client, tenant, connection, recipient and request, each checked; nothing
    /// here reads or spends the code.
    func resolve(_ link: LinkParameters, request: Request, context: PasswordlessRequestContext) async throws(LinkRefusal) -> Resolved {
        do {
            guard let clientID = link.clientID, let client = try await directory.client(id: clientID),
                let tenant = try await directory.resolveTenant(host: request.head.authority, client: client)
            else { throw LinkRefusal.malformed() }
            let authorization: AuthorizationRequest
            do throws(AuthorizationRequest.Invalid) {
                authorization = try AuthorizationRequest(link.values, client: client)
            } catch {
                throw LinkRefusal.malformed(application: client.name)
            }
            guard let name = link.connection, let connection = try await directory.connection(tenantID: tenant.id, name: name),
                let recipient = link.username.flatMap({ Recipient($0, strategy: connection.strategy) }), let code = link.code
            else { throw LinkRefusal.malformed(application: client.name) }
            var api: ResourceServer?
            if let audience = authorization.audience {
                guard let registered = try await directory.api(tenantID: tenant.id, audience: audience) else {
                    throw LinkRefusal.malformed(application: client.name)
                }
                api = registered
            }
            return Resolved(
                tenant: tenant, client: client, connection: connection, recipient: recipient, code: code, authorization: authorization,
                api: api)
        } catch let refusal as LinkRefusal {
            throw refusal
        } catch {
            context.logger.warning("link not checked: a dependency failed", metadata: ["error": "\(String(reflecting: error))"])
            throw LinkRefusal.unavailable
        }
    }

    /// Spends the code (one atomic check, counted like a typed code) and returns its user.
    func spend(_ link: Resolved, context: PasswordlessRequestContext) async throws(LinkRefusal) -> String {
        let outcome: CodeStore.Outcome
        let identity: IdentityCache.Entry?
        do {
            (outcome, identity) = try await tokens.check(
                link.code, recipient: link.recipient, connection: link.connection, clientID: link.client.clientID,
                request: link.authorization.binding(clientID: link.client.clientID), consume: true, context: context)
        } catch {
            context.logger.warning("link not checked: a dependency failed", metadata: ["error": "\(String(reflecting: error))"])
            throw LinkRefusal.unavailable
        }
        let application = link.client.name
        switch outcome {
        case .verified(let userID) where !userID.isEmpty:
            let standing: UserDirectory.Standing
            do {
                standing = try await tokens.users.standing(
                    userID: userID, connectionID: link.connection.id, identifier: link.recipient.normalized, cached: identity)
            } catch {
                context.logger.warning("link not checked: a dependency failed", metadata: ["error": "\(String(reflecting: error))"])
                throw LinkRefusal.unavailable
            }
            switch standing {
            case .active:
                tokens.report(outcome, spent: true, connection: link.connection, recipient: link.recipient)
                return userID
            case .blocked: throw LinkRefusal.blocked(application: application)
            case .missing: throw LinkRefusal.spent(application: application, home: link.home)
            }
        case .verified, .wrong, .missing, .exhausted: throw LinkRefusal.spent(application: application, home: link.home)
        case .expired: throw LinkRefusal.expired(application: application, home: link.home)
        case .locked(let retryAfter): throw LinkRefusal.locked(application: application, home: link.home, retryAfter: retryAfter)
        }
    }

    /// The 302 to the callback: an authorization code in the query, or tokens in the fragment.
    func redirect(_ link: Resolved, userID: String, context: PasswordlessRequestContext) async throws(LinkRefusal) -> Response {
        let authorization = link.authorization
        var parameters: [(name: String, value: String)] = []
        do {
            if authorization.responseType == .code {
                let code = try await tokens.authorizationCodes.issue(
                    AuthorizationGrant(
                        tenantID: link.tenant.id, clientID: link.client.clientID, redirectURI: authorization.redirectURI,
                        codeChallenge: authorization.codeChallenge, connectionID: link.connection.id, userID: userID,
                        recipient: link.recipient.normalized, scope: authorization.scope, audience: authorization.audience,
                        nonce: authorization.nonce))
                parameters.append(("code", code))
            } else {
                parameters = try await implicitTokens(link, userID: userID)
            }
        } catch {
            // The code is spent: the page must not promise that the link still works.
            context.logger.error("link used, but the login could not finish", metadata: ["error": "\(String(reflecting: error))"])
            throw LinkRefusal.unfinished(application: link.client.name, home: link.home)
        }
        if let state = authorization.state { parameters.append(("state", state)) }
        tokens.recorder.record(userID: userID)
        context.logger.info(
            "link used", metadata: ["connection": "\(link.connection.name)", "response_type": "\(authorization.responseType.rawValue)"])
        var headers = LinkPage.securityHeaders(formTarget: nil)
        headers[.location] = AuthorizationResponse.location(
            authorization.redirectURI, parameters: parameters, inFragment: authorization.responseType != .code)
        return Response(status: .found, headers: headers)
    }

    /// The implicit answer's fragment: the access token and/or the id_token (with the link's
    /// nonce, and `at_hash` when both travel together).
    func implicitTokens(_ link: Resolved, userID: String) async throws -> [(name: String, value: String)] {
        let type = link.authorization.responseType
        var scope = link.authorization.scope ?? "openid"
        if type.hasIDToken, !scope.split(separator: " ").contains("openid") { scope = "openid " + scope }
        let issued = try await tokens.issuer.issue(
            tenant: link.tenant, client: link.client, connection: link.connection, userID: userID, recipient: link.recipient,
            scope: scope, api: link.api, nonce: link.authorization.nonce, hashAccessToken: type == .idTokenToken)
        var parameters: [(name: String, value: String)] = []
        if type.hasAccessToken {
            parameters += [
                ("access_token", issued.accessToken), ("token_type", "Bearer"), ("expires_in", String(issued.expiresIn)),
                ("scope", issued.scope),
            ]
        }
        if type.hasIDToken, let idToken = issued.idToken { parameters.append(("id_token", idToken)) }
        return parameters
    }

    static func query(_ request: Request) -> [String: String] {
        BodyDecoder.form(request.uri.query ?? "").compactMapValues(\.string)
    }
}
