import Foundation

/// An API of a tenant (Auth0's "resource server"): the only audiences an access token may name,
/// and the only non-OIDC scopes it may carry.
public struct ResourceServer: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    /// The audience clients ask for (`https://api.example.com`), matched exactly.
    public var identifier: String
    /// The scopes this API defines; any other scope a caller asks for is dropped, never signed.
    public var scopes: [String]
    /// Seconds an access token for this API lives.
    public var tokenLifetime: Int

    /// The lifetime when `--token-lifetime` is not given: Auth0's default, 24 hours.
    public static let defaultTokenLifetime = 86_400
    /// Bounds of `--token-lifetime`: a minute to 30 days (Auth0's maximum).
    public static let tokenLifetimeRange = 60...2_592_000

    public init(id: UUID, tenantID: UUID, identifier: String, scopes: [String], tokenLifetime: Int) {
        self.id = id
        self.tenantID = tenantID
        self.identifier = identifier
        self.scopes = scopes
        self.tokenLifetime = tokenLifetime
    }

    /// Scopes that are always understood: they only shape the id_token and `/userinfo`.
    public static let oidcScopes: Set<String> = ["openid", "profile", "email", "phone"]

    /// `requested`, in its order, without duplicates, keeping only OIDC scopes and the scopes
    /// `api` defines (none without an API). `offline_access` is dropped: no refresh token exists.
    public static func grantedScopes(_ requested: String?, api: ResourceServer?) -> [String] {
        var seen: Set<String> = []
        var granted: [String] = []
        for scope in (requested ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) where !seen.contains(scope) {
            seen.insert(scope)
            if oidcScopes.contains(scope) || api?.scopes.contains(scope) == true { granted.append(scope) }
        }
        return granted
    }
}
