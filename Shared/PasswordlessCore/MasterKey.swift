import Crypto
import Foundation

/// The deployment's root secret: 32 random bytes from `PASSWORDLESS_MASTER_KEY`.
///
/// Nothing is ever encrypted or MACed with the master key itself. Each purpose gets its own
/// sub-key through HKDF-SHA256, so a key leaked from one purpose reveals nothing about another,
/// and the purposes can never be confused with each other.
public struct MasterKey: Sendable {
    /// What a derived key is used for. The raw value is the HKDF `info` and must never change.
    public enum Purpose: String, Sendable, CaseIterable {
        /// HMAC of one-time codes stored in Redis.
        case codeMAC = "passwordless/code-mac/v1"
        /// AES-GCM sealing of codes carried inside queued send jobs.
        case jobSeal = "passwordless/job-seal/v1"
        /// AES-GCM encryption of provider credentials and private keys in PostgreSQL.
        case secretsAtRest = "passwordless/secrets-at-rest/v1"
        /// HMAC of client secrets and management tokens stored in PostgreSQL.
        case credentialHash = "passwordless/credential-hash/v1"
        /// HMAC of recipients (and client addresses) where they would otherwise appear in Redis key
        /// names, and of the stable ids answered for people who do not exist.
        case recipientTag = "passwordless/recipient-tag/v1"
    }

    private let material: SymmetricKey

    /// A short, stable, non-secret identifier of this master key, stored beside everything sealed
    /// under it so that a rotated master key can be told apart from the current one.
    public let id: String

    /// Parses the base64 text of exactly 32 bytes.
    public init(base64 text: String) throws(MasterKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: trimmed) else { throw .notBase64 }
        guard bytes.count == 32 else { throw .wrongLength(bytes.count) }
        self.init(material: SymmetricKey(data: bytes))
    }

    /// Wraps key material directly (tests and tooling).
    public init(material: SymmetricKey) {
        self.material = material
        let idKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: material, info: Data("passwordless/key-id/v1".utf8), outputByteCount: 4)
        self.id = idKey.withUnsafeBytes { Hex.encode($0) }
    }

    /// A fresh random master key, base64-encoded, as `passwordless-admin` and the local stack generate it.
    public static func generateBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }

    /// The 256-bit sub-key for one purpose.
    public func key(for purpose: Purpose) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: material,
            salt: Data("passwordless".utf8),
            info: Data(purpose.rawValue.utf8),
            outputByteCount: 32
        )
    }
}

/// Why a master key was refused. The messages never include the key's text.
public enum MasterKeyError: Error, Equatable, CustomStringConvertible {
    case notBase64
    case wrongLength(Int)

    public var description: String {
        switch self {
        case .notBase64: "must be 32 random bytes encoded as base64 (the value is not valid base64)"
        case .wrongLength(let n): "must be 32 random bytes encoded as base64 (it decodes to \(n) bytes)"
        }
    }
}
