import Foundation
import HTTPTypes
import Hummingbird
import ServiceSettings

/// Which IP address a request comes from, for per-IP rate limits.
///
/// The TCP peer, unless it is one of the configured trusted proxies (then the `auth0-forwarded-for`
/// header, or else the right-most `X-Forwarded-For` entry that is not a trusted proxy), or unless
/// the client authenticated with its secret (then `auth0-forwarded-for`, Auth0's rule for backends
/// that call on behalf of their users). Headers from anyone else are ignored: a client cannot
/// pick the address its requests are counted under.
public struct ClientAddress: Sendable {
    public let trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork]) {
        self.trustedProxies = trustedProxies
    }

    public func resolve(_ request: Request, peer: String?, clientAuthenticated: Bool) -> String? {
        let forwarded = request.headers[HTTPField.Name("auth0-forwarded-for")!].map(Self.firstAddress)
        if clientAuthenticated, let forwarded, IPNetwork.bytes(of: forwarded) != nil { return forwarded }
        guard let peer, isTrusted(peer) else { return peer }
        if let forwarded, IPNetwork.bytes(of: forwarded) != nil { return forwarded }
        let chain = (request.headers[HTTPField.Name("X-Forwarded-For")!] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        return chain.reversed().first { IPNetwork.bytes(of: $0) != nil && !isTrusted($0) } ?? peer
    }

    func isTrusted(_ ip: String) -> Bool { trustedProxies.contains { $0.contains(ip) } }

    static func firstAddress(_ header: String) -> String {
        String(header.split(separator: ",").first ?? "").trimmingCharacters(in: .whitespaces)
    }
}

extension PasswordlessRequestContext {
    /// The peer's IP address as text.
    public var peerIP: String? { remoteAddress?.ipAddress }
}
