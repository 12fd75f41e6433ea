import Foundation

/// An isolated customer of the platform, resolved from a request's `Host` by `domain`.
public struct Tenant: Sendable, Equatable, Codable {
    public var id: UUID
    public var name: String
    /// The host name clients use for this tenant (`acme.example.com`), lower case, no port.
    public var domain: String

    public init(id: UUID, name: String, domain: String) {
        self.id = id
        self.name = name
        self.domain = domain
    }

    /// The `iss` claim of the tenant's tokens, as Auth0 writes it.
    public var issuer: String { "https://\(domain)/" }
}
