import HTTPService
import PasswordlessCore

/// The `authParams` of `/passwordless/start`: what the login should ask for once the code is
/// used (`scope`, `state`, `nonce`, `redirect_uri`, `response_type`, `audience`, …).
///
/// Checked before anything is counted or written, so a malformed request is a 400 even when
/// the caller is over a rate limit: an object of at most 32 members, each a string of at most
/// 2,048 characters (or `null`), as Auth0's SDKs send them.
enum AuthParams {
    static let maximumMembers = 32
    static let maximumLength = 2048

    static func validate(_ value: JSONValue?) throws(APIError) {
        switch value {
        case nil, .null: return
        case .object(let members):
            guard members.count <= maximumMembers else { throw refusal("authParams has more than \(maximumMembers) members.") }
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                switch member {
                case .null: continue
                case .string(let text) where text.count <= maximumLength && !text.unicodeScalars.contains("\u{0}"): continue
                case .string: throw refusal("authParams.\(APIError.echo(name)) is too long or contains a NUL character.")
                default: throw refusal("authParams.\(APIError.echo(name)) must be a string.")
                }
            }
        default: throw refusal("authParams must be an object.")
        }
    }

    private static func refusal(_ description: String) -> APIError {
        APIError(status: 400, error: "bad.authParams", description: description)
    }
}
