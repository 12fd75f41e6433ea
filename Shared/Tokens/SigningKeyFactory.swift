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
    /// `{"kty":"RSA","use":"sig","alg":"RS256","kid":…,"n":…,"e":…}`
    public var publicJWK: String
}

/// Makes tenant signing keys.
public enum SigningKeyFactory {
    /// A new RSA-2048 key for RS256. Its `kid` is the key's RFC 7638 JWK thumbprint, so the same
    /// public key always has the same id.
    public static func rs256() throws -> GeneratedSigningKey {
        let backing = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let primitives = try backing.publicKey.getKeyPrimitives()
        let n = Base64URL.encode(primitives.modulus)
        let e = Base64URL.encode(primitives.publicExponent)
        let thumbprintInput = #"{"e":"\#(e)","kty":"RSA","n":"\#(n)"}"#
        let kid = Base64URL.encode(Data(SHA256.hash(data: Data(thumbprintInput.utf8))))
        let jwk = #"{"alg":"RS256","e":"\#(e)","kid":"\#(kid)","kty":"RSA","n":"\#(n)","use":"sig"}"#
        return GeneratedSigningKey(kid: kid, algorithm: "RS256", privateKeyPEM: backing.pemRepresentation, publicJWK: jwk)
    }
}
