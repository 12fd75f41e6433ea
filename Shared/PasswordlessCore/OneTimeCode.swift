import Crypto
import Foundation

/// One-time codes: drawn from the system CSPRNG, kept in Redis only as an HMAC.
public enum OneTimeCode {
    /// Codes are 4 to 10 digits; 6 unless a connection says otherwise.
    public static let lengths = 4...10
    public static let defaultLength = 6

    /// A fresh code of `length` uniformly random decimal digits.
    public static func generate(length: Int = defaultLength) -> String {
        precondition(lengths.contains(length), "code length out of range")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in Character(String(UInt8.random(in: 0...9, using: &generator))) })
    }

    /// The MAC stored in place of the code: HMAC-SHA256 under the master key's code-MAC sub-key,
    /// bound to the connection and the recipient, so a MAC is useless for any other login.
    public static func mac(_ code: String, connection: UUID, recipient: String, key: SymmetricKey) -> String {
        var message = Data(connection.uuidString.lowercased().utf8)
        message.append(0)
        message.append(contentsOf: recipient.utf8)
        message.append(0)
        message.append(contentsOf: code.utf8)
        return Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
    }
}
