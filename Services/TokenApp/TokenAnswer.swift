import HTTPTypes
import Hummingbird

/// The tokens a successful exchange answers with, sent with ``noStore``.
///
/// `/oauth/token`: `{"access_token","id_token" (when the scope has openid),"token_type":"Bearer",
/// "expires_in","scope"}`; `/oauth/ro`: `{"access_token","id_token","token_type":"bearer"}`.
/// A value an answer does not have is left out, not written as `null`.
struct TokenAnswer: ResponseEncodable {
    var accessToken: String
    var idToken: String?
    var tokenType: String
    var expiresIn: Int?
    var scope: String?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case idToken = "id_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case scope
    }

    /// The answer of the OTP grant.
    static func otp(_ issued: TokenIssuer.Issued) -> TokenAnswer {
        TokenAnswer(
            accessToken: issued.accessToken, idToken: issued.idToken, tokenType: "Bearer", expiresIn: issued.expiresIn, scope: issued.scope)
    }

    /// The answer of the legacy `/oauth/ro`.
    static func resourceOwner(_ issued: TokenIssuer.Issued) -> TokenAnswer {
        TokenAnswer(accessToken: issued.accessToken, idToken: issued.idToken, tokenType: "bearer")
    }

    /// `Cache-Control: no-store` and `Pragma: no-cache`: tokens are never cached (RFC 6749 §5.1).
    static let noStore: HTTPFields = [.cacheControl: "no-store", HTTPField.Name("Pragma")!: "no-cache"]

    /// The answer with ``noStore``.
    var uncached: EditedResponse<TokenAnswer> { EditedResponse(headers: Self.noStore, response: self) }
}
