import Foundation
import Logging
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO

/// Tenants, clients and connections as the request paths read them: from PostgreSQL, through
/// short-lived caches, with the tenant resolution rules of the API contract.
public struct Directory: Sendable {
    let tenants: TenantRepository
    let clients: ClientRepository
    let connections: ConnectionRepository
    let apis: ResourceServerRepository
    let hookRepository: HookRepository
    private let tenantList: TTLCache<Int, [Tenant]>
    private let clientCache: TTLCache<String, Client>
    private let connectionCache: TTLCache<String, Connection>
    private let apiCache: TTLCache<String, ResourceServer>
    private let originCache: TTLCache<Int, Set<String>>
    private let hookCache: TTLCache<UUID, [Hook]>

    public init(postgres: PostgresClient, logger: Logger, ttl: Duration = .seconds(10)) {
        tenants = TenantRepository(client: postgres, logger: logger)
        clients = ClientRepository(client: postgres, logger: logger)
        connections = ConnectionRepository(client: postgres, logger: logger)
        apis = ResourceServerRepository(client: postgres, logger: logger)
        hookRepository = HookRepository(client: postgres, logger: logger)
        tenantList = TTLCache(ttl: ttl)
        clientCache = TTLCache(ttl: ttl)
        connectionCache = TTLCache(ttl: ttl)
        apiCache = TTLCache(ttl: ttl)
        originCache = TTLCache(ttl: ttl)
        hookCache = TTLCache(ttl: ttl)
    }

    /// The tenant's event hooks (empty for most tenants: then no event costs anything more).
    public func hooks(tenantID: UUID) async throws -> [Hook] {
        try await hookCache.value(for: tenantID) { try await hookRepository.list(tenantID: tenantID) } ?? []
    }

    public func allTenants() async throws -> [Tenant] {
        try await tenantList.value(for: 0) { try await tenants.all() } ?? []
    }

    public func tenant(id: UUID) async throws -> Tenant? {
        if let cached = try await allTenants().first(where: { $0.id == id }) { return cached }
        return try await tenants.find(id: id)
    }

    public func client(id: String) async throws -> Client? {
        try await clientCache.value(for: id) { try await clients.find(clientID: id) }
    }

    public func connection(tenantID: UUID, name: String) async throws -> Connection? {
        try await connectionCache.value(for: "\(tenantID)/\(name)") { try await connections.find(tenantID: tenantID, name: name) }
    }

    public func connection(id: UUID) async throws -> Connection? {
        try await connectionCache.value(for: id.uuidString) { try await connections.find(id: id) }
    }

    /// The tenant's API whose identifier is `audience`, if it registered one.
    public func api(tenantID: UUID, audience: String) async throws -> ResourceServer? {
        try await apiCache.value(for: "\(tenantID) \(audience)") { try await apis.find(tenantID: tenantID, identifier: audience) }
    }

    /// Whether some client lists `origin` in its web origins (what a CORS preflight can check:
    /// it names no client).
    public func isKnownWebOrigin(_ origin: String) async throws -> Bool {
        let origins = try await originCache.value(for: 0) { try await clients.allWebOrigins() } ?? []
        return origins.contains(Client.normalizedOrigin(origin))
    }

    /// The tenant a request addresses, as Auth0 resolves it: by the client when there is one
    /// (refused, as `nil`, when `Host` names another tenant), otherwise by `Host` (port ignored),
    /// and with a single tenant, a `Host` that matches none means that tenant.
    public func resolveTenant(host: String?, client: Client?) async throws -> Tenant? {
        let all = try await allTenants()
        let hostName = host.map(Self.hostName)
        let byHost = hostName.flatMap { name in all.first { $0.domain == name } }
        if let client {
            if let byHost, byHost.id != client.tenantID { return nil }
            return try await tenant(id: client.tenantID)
        }
        if let byHost { return byHost }
        return all.count == 1 ? all[0] : nil
    }

    /// `Acme.Example.com:8080` → `acme.example.com`; `[::1]:8080` → `::1`.
    static func hostName(_ host: String) -> String {
        var name = host.lowercased()
        if name.hasPrefix("[") {
            name = String(name.dropFirst().prefix { $0 != "]" })
        } else if let colon = name.lastIndex(of: ":"), name.firstIndex(of: ":") == colon {
            name = String(name[..<colon])
        }
        return name
    }
}
