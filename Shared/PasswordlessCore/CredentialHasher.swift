import Crypto
import Foundation

/// Client secrets and management tokens are stored only as HMAC-SHA256 digests under the
/// master key's credential-hash sub-key, and compared in constant time.
///
/// They are long random strings, so a keyed hash is enough (no password-hashing work factor is
/// needed), and lookups by digest stay a single indexed query.
public struct CredentialHasher: Sendable {
    private let key: SymmetricKey

    public init(masterKey: MasterKey) {
        key = masterKey.key(for: .credentialHash)
    }

    public func digest(_ secret: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data(secret.utf8), using: key))
    }

    /// Whether `secret` hashes to `digest`, in time independent of where they differ.
    public func matches(_ secret: String, digest expected: [UInt8]) -> Bool {
        let actual = digest(secret)
        guard actual.count == expected.count else { return false }
        return zip(actual, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A random credential: `bytes` of CSPRNG output, base64url without padding.
    public static func generate(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Base64URL.encode(raw)
    }
}
