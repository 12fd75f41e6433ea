import Crypto
import Foundation
import JWTKit
import PasswordlessCore
import _CryptoExtras

/// A freshly generated signing key: the private key as PEM (to be sealed) and its public JWK.
public struct GeneratedSigningKey: Sendable {
    public var kid: String
    public var algorithm: String
    public var privateKeyPEM: String
    /// `{"kty":"RSA","use":"sig","alg":"RS256","kid":…,"n":…,"e":…}` or
    /// `{"kty":"EC","use":"sig","alg":"ES256","kid":…,"crv":"P-256","x":…,"y":…}`
    public var publicJWK: String
}

/// Makes tenant signing keys. A key's `kid` is its RFC 7638 JWK thumbprint, so the same public
/// key always has the same id.
public enum SigningKeyFactory {
    /// A new key for a tenant-key algorithm (RS256 or ES256).
    public static func make(_ algorithm: Client.SigningAlgorithm) throws -> GeneratedSigningKey {
        switch algorithm {
        case .rs256: try rs256()
        case .es256: es256()
        case .hs256: throw SigningKeyFactoryError.notATenantKey
        }
    }

    /// A new RSA-2048 key for RS256.
    public static func rs256() throws -> GeneratedSigningKey {
        let backing = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try backing.publicKey.getKeyPrimitives()
        let n = Base64URL.encode(primitives.modulus)
        let e = Base64URL.encode(primitives.publicExponent)
        let kid = thumbprint(#"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#)
        let jwk = #"{"alg":"RS256","e":"\#(e)","kid":"\#(kid)","kty":"RSA","n":"\#(n)","use":"sig"}"#
        return GeneratedSigningKey(kid: kid, algorithm: "RS256", privateKeyPEM: backing.pemRepresentation, publicJWK: jwk)
    }

    /// A new P-256 key for ES256.
    public static func es256() -> GeneratedSigningKey {
        let backing = P256.Signing.PrivateKey()
        let point = backing.publicKey.rawRepresentation  // x ‖ y, 32 bytes each
        let x = Base64URL.encode(point.prefix(32))
        let y = Base64URL.encode(point.suffix(32))
        let kid = thumbprint(#"{"crv":"P-256","kty":"EC","x":"\#(x)","y":"\#(y)"}"#)
        let jwk = #"{"alg":"ES256","crv":"P-256","kid":"\#(kid)","kty":"EC","use":"sig","x":"\#(x)","y":"\#(y)"}"#
        return GeneratedSigningKey(kid: kid, algorithm: "ES256", privateKeyPEM: backing.pemRepresentation, publicJWK: jwk)
    }

    private static func thumbprint(_ canonicalJWK: String) -> String {
        Base64URL.encode(Data(SHA256.hash(data: Data(canonicalJWK.utf8))))
    }
}

/// A key that cannot be made by ``SigningKeyFactory``.
public enum SigningKeyFactoryError: Error, CustomStringConvertible {
    case notATenantKey
    public var description: String { "HS256 signs with the client secret; it has no tenant key" }
}
