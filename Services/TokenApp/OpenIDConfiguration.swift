import Hummingbird
import PasswordlessCore

/// The body of `GET /.well-known/openid-configuration` for a tenant: its issuer, endpoints and
/// what they support.
struct OpenIDConfiguration: ResponseEncodable {
    var issuer: String
    var jwksURI: String
    var tokenEndpoint: String
    var userinfoEndpoint: String
    var grantTypesSupported = ["http://auth0.com/oauth/grant-type/passwordless/otp", "authorization_code", "implicit", "password"]
    var responseTypesSupported = ["code", "token", "id_token", "id_token token"]
    var responseModesSupported = ["query", "fragment"]
    var codeChallengeMethodsSupported = ["S256"]
    var subjectTypesSupported = ["public"]
    var idTokenSigningAlgValuesSupported = ["RS256", "ES256", "HS256"]
    var tokenEndpointAuthMethodsSupported = ["client_secret_post", "client_secret_basic", "none"]
    var scopesSupported = ["openid", "profile", "email", "phone"]
    var claimsSupported = [
        "aud", "exp", "iat", "iss", "sub", "email", "email_verified", "phone_number", "phone_number_verified", "name", "nonce", "at_hash",
    ]

    enum CodingKeys: String, CodingKey {
        case issuer
        case jwksURI = "jwks_uri"
        case tokenEndpoint = "token_endpoint"
        case userinfoEndpoint = "userinfo_endpoint"
        case grantTypesSupported = "grant_types_supported"
        case responseTypesSupported = "response_types_supported"
        case responseModesSupported = "response_modes_supported"
        case codeChallengeMethodsSupported = "code_challenge_methods_supported"
        case subjectTypesSupported = "subject_types_supported"
        case idTokenSigningAlgValuesSupported = "id_token_signing_alg_values_supported"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
        case scopesSupported = "scopes_supported"
        case claimsSupported = "claims_supported"
    }

    init(tenant: Tenant) {
        let base = "https://\(tenant.domain)"
        issuer = tenant.issuer
        jwksURI = "\(base)/.well-known/jwks.json"
        tokenEndpoint = "\(base)/oauth/token"
        userinfoEndpoint = "\(base)/userinfo"
    }
}
