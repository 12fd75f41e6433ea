import Foundation
import JWTKit

/// The claims of an id_token, as Auth0 issues them for passwordless logins.
public struct IDTokenClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    public var email: String?
    public var email_verified: Bool?
    public var phone_number: String?
    public var phone_number_verified: Bool?
    public var name: String?
    public var nonce: String?
    /// The access token's hash (OIDC Core §3.2.2.9), when the id_token travels with one in a fragment.
    public var at_hash: String?

    public init(
        issuer: String, subject: String, audience: String, issuedAt: Date, expiresAt: Date, email: String? = nil,
        emailVerified: Bool? = nil,
        phoneNumber: String? = nil, phoneNumberVerified: Bool? = nil, name: String? = nil, nonce: String? = nil, atHash: String? = nil
    ) {
        iss = IssuerClaim(value: issuer)
        sub = SubjectClaim(value: subject)
        aud = AudienceClaim(value: audience)
        iat = IssuedAtClaim(value: issuedAt)
        exp = ExpirationClaim(value: expiresAt)
        self.email = email
        email_verified = emailVerified
        phone_number = phoneNumber
        phone_number_verified = phoneNumberVerified
        self.name = name
        self.nonce = nonce
        at_hash = atHash
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// The claims of an access token issued as a JWT (when the request named an `audience`).
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var iss: IssuerClaim
    public var sub: SubjectClaim
    public var aud: AudienceClaim
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    public var scope: String
    public var azp: String
    public var jti: IDClaim

    public init(issuer: String, subject: String, audiences: [String], issuedAt: Date, expiresAt: Date, scope: String, clientID: String) {
        iss = IssuerClaim(value: issuer)
        sub = SubjectClaim(value: subject)
        aud = AudienceClaim(value: audiences)
        iat = IssuedAtClaim(value: issuedAt)
        exp = ExpirationClaim(value: expiresAt)
        self.scope = scope
        azp = clientID
        jti = IDClaim(value: UUID().uuidString.lowercased())
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
