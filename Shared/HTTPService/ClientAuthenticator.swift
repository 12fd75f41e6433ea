import Hummingbird
import PasswordlessCore
import TenantDirectory

/// Who calls a client route (`/passwordless/start`, `/oauth/token`, `/oauth/ro`): reads the
/// credentials, resolves the client and its tenant, applies the origin policy, checks the secret
/// as the client's type requires and, when asked, the grant type, in that order.
///
/// It answers with a typed ``Failure`` rather than an HTTP error: start words failures in
/// Auth0's passwordless style (400 `bad.client_id`, 401 `access_denied`), the token routes in
/// OAuth's (400 `invalid_request`, 401 `invalid_client` with `WWW-Authenticate`, 403
/// `unauthorized_client`), and each route maps them itself.
///
/// It lives here because both the gateway and the token service need it; HTTPService may depend on
/// TenantDirectory (nothing there depends on the HTTP layer).
public struct ClientAuthenticator: Sendable {
    public let directory: Directory
    public let hasher: CredentialHasher

    public init(directory: Directory, hasher: CredentialHasher) {
        self.directory = directory
        self.hasher = hasher
    }

    /// An authenticated client, its tenant and how it authenticated.
    public struct Authenticated: Sendable {
        public var tenant: Tenant
        public var client: Client
        public var credentials: ClientCredentials
    }

    /// Why a request does not authenticate a client, in the order the checks run.
    public enum Failure: Error, Sendable, Equatable {
        /// Credentials given in a way no client should (``ClientCredentials/Malformed``'s text).
        case malformed(String)
        /// No `client_id` at all.
        case missingClientID
        /// An empty `client_id`, never looked up (start calls it missing, the token routes unknown).
        case emptyClientID
        /// No such client, or one of another tenant than the one `Host` names.
        case unknownClient(id: String)
        /// The request comes from a page (`Origin`) the client does not list.
        case originNotAllowed(String)
        /// A confidential client without its secret (`secretGiven` false) or with a wrong one, or a
        /// public client given a secret.
        case unauthenticated(secretGiven: Bool)
        /// The client may not use the grant.
        case grantNotAllowed(Client.GrantType)
    }

    /// The authenticated client, or why there is none; throws only when a dependency fails.
    ///
    /// `clientID` and `clientSecret` are the body's (read by the caller, so a malformed one is
    /// refused where the route always refused it); `grant`, when given, must be one the client has.
    public func authenticate(
        _ request: Request, clientID: String?, clientSecret: String?, grant: Client.GrantType? = nil
    ) async throws
        -> Result<Authenticated, Failure>
    {
        let credentials: ClientCredentials
        do throws(ClientCredentials.Malformed) {
            credentials = try ClientCredentials.read(request, clientID: clientID, clientSecret: clientSecret)
        } catch {
            return .failure(.malformed(error.description))
        }
        guard let id = credentials.clientID else { return .failure(.missingClientID) }
        guard !id.isEmpty else { return .failure(.emptyClientID) }
        guard let client = try await directory.client(id: id),
            let tenant = try await directory.resolveTenant(host: request.head.authority, client: client)
        else {
            return .failure(.unknownClient(id: id))
        }
        if let origin = OriginPolicy.refusedOrigin(request, client: client) { return .failure(.originNotAllowed(origin)) }
        guard credentials.authenticate(client, hasher: hasher) else {
            return .failure(.unauthenticated(secretGiven: credentials.secret != nil))
        }
        if let grant, !client.allows(grant) { return .failure(.grantNotAllowed(grant)) }
        return .success(Authenticated(tenant: tenant, client: client, credentials: credentials))
    }
}
