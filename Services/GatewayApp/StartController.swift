import Events
import HTTPService
import HTTPTypes
import Hummingbird
import Logging
import LoginCodes
import Metrics
import PasswordlessCore
import TenantDirectory

/// `POST /passwordless/start`: Auth0's call that sends a code.
struct StartController {
    let directory: Directory
    let starter: LoginStarter
    let authenticator: ClientAuthenticator
    let clientAddress: ClientAddress
    /// `PUBLIC_BASE_URL`: where sign-in links point; nil means `https://<tenant domain>`.
    let publicBaseURL: String?
    /// `verification.pending` for the tenant's hooks.
    let events: VerificationEvents

    /// `passwordless_codes_requested_total{strategy,outcome}`, with the outcomes of
    /// ``CodeRequestOutcome``. Served on the metrics port only: `not_sent` tells who exists.
    static func codesRequested(_ strategy: Connection.Strategy, outcome: CodeRequestOutcome) {
        Counter(label: "passwordless_codes_requested_total", dimensions: [("strategy", strategy.rawValue), ("outcome", outcome.rawValue)])
            .increment()
    }

    func addRoutes(to router: Router<PasswordlessRequestContext>) {
        router.post("/passwordless/start") { request, context in try await start(request, context: context) }
    }

    func start(_ request: Request, context: PasswordlessRequestContext) async throws -> StartAnswer {
        let body = try await request.decode(as: StartRequest.self, context: context)
        try body.rejectUnknown()
        let caller = try await authenticator.authenticate(
            request, clientID: try body.clientID.value, clientSecret: try body.clientSecret.value
        ).mapError(Self.refusal).get()
        let (tenant, client) = (caller.tenant, caller.client)
        let authenticated = caller.credentials.secret != nil
        let connection = try await directory.connection(named: try body.connection.value, tenant: tenant)
        let recipient = try Recipient.parse(
            strategy: connection.strategy, phoneNumber: try body.phoneNumber.value, email: try body.email.value)
        let authParams = try AuthParams.parameters(body.authParams)
        var link: SignInLink?
        switch try body.send.value ?? (connection.strategy == .email ? "link" : "code") {
        case "code":
            guard client.allows(.otp) else { throw Self.refusal(.grantNotAllowed(.otp)) }
        case "link":
            guard connection.strategy == .email else {
                throw APIError.badRequest("Links are sent by email only: send \"code\" on an sms connection.")
            }
            let authorization = try AuthParams.authorizationRequest(authParams, client: client)
            _ = try await directory.resourceServer(tenant: tenant, audience: authorization.audience)
            let signInLink = SignInLink(
                base: publicBaseURL ?? "https://\(tenant.domain)", clientID: client.clientID, connection: connection.name,
                email: recipient.normalized, request: authorization)
            guard signInLink.url(code: String(repeating: "0", count: connection.codeLength)).utf8.count <= SignInLink.maximumLength else {
                throw APIError(
                    status: 400, error: "bad.authParams",
                    description: "authParams make the link longer than \(SignInLink.maximumLength) characters.")
            }
            link = signInLink
        default:
            throw APIError.badRequest("The property send must be \"code\" or \"link\".")
        }

        let requestLanguage = request.headers[HTTPField.Name("x-request-language")!]
        let language = MessageLanguage(connection: connection).resolve(
            requestLanguage: requestLanguage, acceptLanguage: request.headers[values: .acceptLanguage].joined(separator: ","),
            phoneNumber: connection.strategy == .sms ? recipient.normalized : nil, defaultLanguage: connection.defaultLanguage)
        let clientIP = clientAddress.resolve(request, peer: context.peerIP, clientAuthenticated: authenticated)
        let started: LoginStarter.Started
        do {
            started = try await starter.start(
                tenant: tenant, connection: connection, recipient: recipient, clientID: client.clientID, applicationName: client.name,
                language: language, clientIP: clientIP, link: link)
        } catch let refusal as LoginStarter.Refusal {
            Self.codesRequested(connection.strategy, outcome: refusal.outcome)
            throw refusal.apiError
        } catch {
            Self.codesRequested(connection.strategy, outcome: .error)
            throw error
        }
        Self.codesRequested(connection.strategy, outcome: started.jobID == nil ? .notSent : .queued)
        await events.issued(started, tenant: tenant, connection: connection, recipient: recipient)
        context.logger.info(
            "code requested",
            metadata: [
                "tenant": "\(tenant.name)", "connection": "\(connection.name)", "job": "\(started.jobID ?? "none")",
                "new_user": "\(started.created)", "identity_cached": "\(started.cached)", "send": "\(link == nil ? "code" : "link")",
            ])
        switch connection.strategy {
        case .email: return .email(userID: started.user.id, email: recipient.normalized)
        case .sms: return .sms(userID: started.user.id, phoneNumber: recipient.normalized, language: requestLanguage)
        }
    }

    /// Auth0's start errors for a caller that does not authenticate a client.
    static func refusal(_ failure: ClientAuthenticator.Failure) -> APIError {
        switch failure {
        case .malformed(let description): .badRequest(description)
        case .missingClientID, .emptyClientID:
            APIError(status: 400, error: "bad.client_id", description: "Missing required property: client_id")
        case .unknownClient(let id): APIError(status: 400, error: "bad.client_id", description: "Unknown client: \(APIError.echo(id))")
        case .originNotAllowed(let origin): OriginPolicy.refusal(origin: origin)
        case .unauthenticated: APIError(status: 401, error: "access_denied", description: "Unauthorized")
        case .grantNotAllowed(let grant):
            APIError(status: 403, error: "unauthorized_client", description: "Grant type '\(grant.oauthName)' not allowed for the client.")
        }
    }
}
