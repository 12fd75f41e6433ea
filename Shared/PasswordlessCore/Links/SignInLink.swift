/// The link a `send: "link"` email carries: `<base>/passwordless/verify_redirect?…` with Auth0's
/// parameters — `client_id`, `connection`, `email`, `verification_code` (the one-time code
/// itself) and the ``AuthorizationRequest``.
///
/// Built by the gateway before the code exists (the starter draws the code), so it is a recipe:
/// ``url(code:)`` makes the link once the code is known. The link holds the code, so it is
/// sealed in the send job and never logged.
public struct SignInLink: Sendable, Equatable {
    /// The route the link opens.
    public static let path = "/passwordless/verify_redirect"
    /// The longest link sent: the gateway refuses `authParams` that would make a longer one, and
    /// the dispatcher never puts a longer one in an email (mail clients and servers cut them).
    public static let maximumLength = 8192

    /// `https://<tenant domain>` or `PUBLIC_BASE_URL`, without a trailing slash.
    public var base: String
    public var clientID: String
    public var connection: String
    public var email: String
    public var request: AuthorizationRequest

    public init(base: String, clientID: String, connection: String, email: String, request: AuthorizationRequest) {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
        self.clientID = clientID
        self.connection = connection
        self.email = email
        self.request = request
    }

    /// The link for `code`.
    public func url(code: String) -> String {
        let parameters = [("client_id", clientID), ("connection", connection), ("email", email), ("verification_code", code)]
        return base + Self.path + "?" + URLQuery.encode(parameters + request.parameters)
    }
}
