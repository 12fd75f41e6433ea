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

    /// A token's record to be written by the code check itself when the code is right (so an
    /// exchange makes one round trip, not two): the claims, with `sub` = `subjectPrefix` and
    /// the user id the code was issued to, which only the check knows.
    public struct PendingRecord: Sendable {
        let key: String
        /// The record's JSON up to the user id, and after it.
        let head: [UInt8]
        let tail: [UInt8]
        let lifetimeSeconds: Int

        /// The verify script's extra arguments.
        var arguments: [any RedisArgument] { [key, head, tail, lifetimeSeconds] }
    }

    /// The record ``claims(for:)`` will read for `token`, to be stored by ``CodeStore/verify(code:connection:recipient:limits:remember:)``.
    public static func pending(_ token: String, claims: [String: String], subjectPrefix: String, tenantID: UUID, lifetimeSeconds: Int) throws
        -> PendingRecord
    {
        var record = claims
        record["sub"] = nil
        record["_tenant"] = tenantID.uuidString.lowercased()
        let encoder = JSONEncoder()
        let body = try encoder.encode(record)  // {…}, never empty
        let subject = try encoder.encode(subjectPrefix)  // "sms|"
        return PendingRecord(
            key: RedisKeys.accessToken(digest: digest(token)), head: Array(body.dropLast()) + Array(#","sub":"#.utf8) + Array(subject.dropLast()),
            tail: Array(#""}"#.utf8), lifetimeSeconds: lifetimeSeconds)
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
