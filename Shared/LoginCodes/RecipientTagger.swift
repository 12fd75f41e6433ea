import Crypto
import Foundation
import PasswordlessCore

/// Keyed HMACs that stand in for personal data where it would otherwise be visible: in Redis key
/// names (`SCAN`, `MONITOR` and the slow log show them to anyone with access to Redis) and in
/// the `_id` answered for a person who does not exist.
///
/// The key is derived from the master key, so the same recipient gets the same tag in every
/// process (all gateways and token services find the same keys), and nobody without the
/// master key can test a guessed address against a key name.
public struct RecipientTagger: Sendable {
    private let key: SymmetricKey

    public init(masterKey: MasterKey) {
        key = masterKey.key(for: .recipientTag)
    }

    /// 128 bits of HMAC, in hex, of one recipient on one connection.
    public func tag(connection: UUID, recipient: String) -> String {
        mac("recipient\u{0}\(connection.uuidString.lowercased())\u{0}\(recipient)", bytes: 16)
    }

    /// 128 bits of HMAC, in hex, of a client address.
    public func tag(address: String) -> String {
        mac("address\u{0}\(address)", bytes: 16)
    }

    /// The `_id` answered for someone who does not exist on a connection with sign-ups disabled:
    /// the shape of a real user id (24 hex digits), and the same on every call, as a real user's is.
    public func decoyUserID(connection: UUID, recipient: String) -> String {
        mac("decoy-user\u{0}\(connection.uuidString.lowercased())\u{0}\(recipient)", bytes: 12)
    }

    private func mac(_ message: String, bytes: Int) -> String {
        Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: Data(message.utf8), using: key).prefix(bytes)))
    }
}
