import Foundation
import PasswordlessCore
import PasswordlessStorage

/// `--fallback-connection NAME`, checked against the stored connections: the fallback must be
/// another connection of the same tenant (names are looked up in the tenant only) with the same
/// strategy, and following fallbacks from it must never come back to the connection (a cycle
/// would leave nothing to fail over to).
enum ConnectionFallback {
    /// The fallback's id for `connection` under `name` (nil: no fallback), or a one-line error.
    static func resolve(
        _ name: String?, for connection: Connection, in tenant: Tenant, repository: ConnectionRepository
    ) async throws -> UUID? {
        guard let name else { return nil }
        let fallback = try await ConnectionCommand.find(name, in: tenant, client: repository)
        guard fallback.id != connection.id, fallback.name != connection.name else {
            throw AdminError("--fallback-connection cannot be the connection itself")
        }
        guard fallback.strategy == connection.strategy else {
            throw AdminError(
                "--fallback-connection \(name) is \(fallback.strategy.rawValue), connection \(connection.name) is \(connection.strategy.rawValue)"
            )
        }
        var visited: Set<UUID> = [fallback.id]
        var next = fallback.fallbackConnectionID
        while let id = next {
            guard id != connection.id else {
                throw AdminError("--fallback-connection \(name) would make a cycle: its fallbacks lead back to \(connection.name)")
            }
            guard visited.insert(id).inserted, let hop = try await repository.find(id: id) else { break }
            next = hop.fallbackConnectionID
        }
        return fallback.id
    }

    /// The fallback's name for `connection show`, nil when it has none.
    static func name(of connection: Connection, repository: ConnectionRepository) async throws -> String? {
        guard let id = connection.fallbackConnectionID else { return nil }
        return try await repository.find(id: id)?.name
    }
}
