import Crypto
import Foundation

/// A hook's signing secret and the signature of one event POST.
///
/// The secret is `whsec_` and 32 random bytes in base64url; the HMAC key is the whole printed
/// string's UTF-8 bytes, so a receiver uses exactly what the operator copied.
/// `Passwordless-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
public enum HookSecret {
    public static let prefix = "whsec_"

    /// A fresh secret.
    public static func generate() -> String {
        prefix + Base64URL.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) })
    }

    /// The `Passwordless-Signature` header's value for `body` sent at `timestamp` (unix seconds).
    public static func signatureHeader(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        "t=\(timestamp),v1=\(signature(secret: secret, timestamp: timestamp, body: body))"
    }

    /// Hex HMAC-SHA256 of `"<timestamp>.<body>"` under the secret.
    public static func signature(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed += body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: Array(secret.utf8)))
        return Hex.encode(mac)
    }
}
