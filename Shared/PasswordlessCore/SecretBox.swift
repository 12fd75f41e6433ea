import Crypto
import Foundation

/// AES-256-GCM sealing under a sub-key of the master key, with the master key's id in front so
/// that a box sealed before a master-key rotation can still be opened with the previous key.
///
/// Layout: `0x01 | key id (4 bytes) | nonce (12) | ciphertext | tag (16)`. `context` is
/// authenticated but not stored: a box opens only for the same context (for example the row
/// or job it belongs to), so boxes cannot be swapped between records.
public struct SecretBox: Sendable {
    private let current: (id: [UInt8], key: SymmetricKey)
    private let previous: [(id: [UInt8], key: SymmetricKey)]

    public init(masterKey: MasterKey, purpose: MasterKey.Purpose, previousMasterKeys: [MasterKey] = []) {
        current = (Self.idBytes(masterKey), masterKey.key(for: purpose))
        previous = previousMasterKeys.map { (Self.idBytes($0), $0.key(for: purpose)) }
    }

    public func seal(_ plaintext: [UInt8], context: String) -> [UInt8] {
        // AES-GCM sealing only fails for invalid nonce or key sizes, which are fixed here.
        let box = try! AES.GCM.seal(plaintext, using: current.key, authenticating: Data(context.utf8))
        return [1] + current.id + Array(box.combined!)
    }

    public func seal(_ text: String, context: String) -> [UInt8] { seal(Array(text.utf8), context: context) }

    public func open(_ sealed: [UInt8], context: String) throws(SecretBoxError) -> [UInt8] {
        guard sealed.count > 1 + 4 + 12 + 16, sealed[0] == 1 else { throw .malformed }
        let id = Array(sealed[1..<5])
        guard let key = ([current] + previous).first(where: { $0.id == id })?.key else { throw .unknownKey }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed[5...])
            return Array(try AES.GCM.open(box, using: key, authenticating: Data(context.utf8)))
        } catch {
            throw .tampered
        }
    }

    public func openString(_ sealed: [UInt8], context: String) throws(SecretBoxError) -> String {
        String(decoding: try open(sealed, context: context), as: UTF8.self)
    }

    private static func idBytes(_ key: MasterKey) -> [UInt8] {
        var bytes: [UInt8] = []
        var hex = Substring(key.id)
        while hex.count >= 2 {
            bytes.append(UInt8(hex.prefix(2), radix: 16) ?? 0)
            hex = hex.dropFirst(2)
        }
        return bytes
    }
}

/// Why a sealed value could not be opened. Never includes the value.
public enum SecretBoxError: Error, Equatable, CustomStringConvertible {
    case malformed, unknownKey, tampered

    public var description: String {
        switch self {
        case .malformed: "the sealed value is malformed"
        case .unknownKey: "the sealed value was made with a master key this process does not have"
        case .tampered: "the sealed value does not authenticate (wrong key, context or tampering)"
        }
    }
}
