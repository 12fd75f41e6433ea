import Crypto
import Foundation
import PasswordlessCore
import RedisClient

/// Access tokens the token service issued, for `/userinfo`: the token's SHA-256 is the key and
/// the user's claims are the value, expiring with the token. The token itself is never stored.
public struct AccessTokenStore: Sendable {
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    public func remember(_ token: String, claims: [String: String], tenantID: UUID, lifetimeSeconds: Int) async throws {
        var record = claims
        record["_tenant"] = tenantID.uuidString.lowercased()
        let body = try JSONEncoder().encode(record)
        try await redis.send(RedisCommand("SET", RedisKeys.accessToken(digest: Self.digest(token)), Array(body), "EX", lifetimeSeconds))
    }

    /// The claims of a live token, and its tenant.
    public func claims(for token: String) async throws -> (tenantID: UUID, claims: [String: String])? {
        let reply = try await redis.send(RedisCommand("GET", RedisKeys.accessToken(digest: Self.digest(token))))
        guard let bytes = reply.bytes, var record = try? JSONDecoder().decode([String: String].self, from: Data(bytes)),
            let tenant = record.removeValue(forKey: "_tenant").flatMap(UUID.init(uuidString:))
        else { return nil }
        return (tenant, record)
    }

    static func digest(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }
}

extension RedisKeys {
    /// An issued access token's userinfo, by the SHA-256 of the token.
    public static func accessToken(digest: String) -> String { "pl:at:{\(digest)}" }
}
