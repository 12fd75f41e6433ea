import Foundation

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `fd00::/8`; a bare address is a /32
/// or /128), for the trusted-proxy list.
public struct IPNetwork: Sendable, Equatable, CustomStringConvertible {
    let address: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = Self.bytes(of: parts[0]) else { return nil }
        let maximum = address.count * 8
        let prefix = parts.count == 2 ? Int(parts[1]) : maximum
        guard let prefix, (0...maximum).contains(prefix) else { return nil }
        self.address = address
        self.prefix = prefix
    }

    /// Whether `ip` (textual) lies in this network.
    public func contains(_ ip: String) -> Bool {
        guard let other = Self.bytes(of: ip), other.count == address.count else { return false }
        var remaining = prefix
        for index in address.indices where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != other[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(address.count == 4 ? address.map(String.init).joined(separator: ".") : "ipv6")/\(prefix)" }

    /// The address as bytes (4 or 16), or nil when it is not an IP address.
    public static func bytes(of text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
