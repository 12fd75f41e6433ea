import HTTPService
import PasswordlessCore

/// The `authParams` of `/passwordless/start`: what the login should ask for once the code is
/// used (`scope`, `state`, `nonce`, `redirect_uri`, `response_type`, `audience`, …).
///
/// Checked before anything is counted or written, so a malformed request is a 400 even when
/// the caller is over a rate limit: an object of at most 32 members, each a string of at most
/// 2,048 characters (Unicode scalars, or `null`), as Auth0's SDKs send them. A link's parameters are then read
/// into an ``AuthorizationRequest`` for the client.
enum AuthParams {
    static let maximumMembers = 32
    static let maximumLength = 2048

    /// The string members (`null` members left out).
    static func parameters(_ value: JSONValue?) throws(APIError) -> [String: String] {
        switch value {
        case nil, .null: return [:]
        case .object(let members):
            guard members.count <= maximumMembers else { throw refusal("authParams has more than \(maximumMembers) members.") }
            var parameters: [String: String] = [:]
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                switch member {
                case .null: continue
                case .string(let text) where text.unicodeScalars.count <= maximumLength && !text.unicodeScalars.contains("\u{0}"):
                    parameters[name] = text
                case .string: throw refusal("authParams.\(APIError.echo(name)) is too long or contains a NUL character.")
                default: throw refusal("authParams.\(APIError.echo(name)) must be a string.")
                }
            }
            return parameters
        default: throw refusal("authParams must be an object.")
        }
    }

    /// What a link asks for, checked against the client: 400 `bad.redirect_uri` for a
    /// `redirect_uri` that is not one of its callbacks, 400 `bad.authParams` for the rest, 403
    /// `unauthorized_client` for a response type whose grant the client lacks.
    static func authorizationRequest(_ parameters: [String: String], client: Client) throws(APIError) -> AuthorizationRequest {
        do throws(AuthorizationRequest.Invalid) {
            return try AuthorizationRequest(parameters, client: client)
        } catch {
            switch error {
            case .redirectURI(let description): throw APIError(status: 400, error: "bad.redirect_uri", description: description)
            case .parameter(let description): throw refusal(description)
            case .grantNotAllowed(let grant): throw StartController.refusal(.grantNotAllowed(grant))
            }
        }
    }

    private static func refusal(_ description: String) -> APIError {
        APIError(status: 400, error: "bad.authParams", description: description)
    }
}
