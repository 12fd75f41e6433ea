import Foundation
import LoginCodes
import RedisClient
import Testing

/// On a Redis Cluster a script may only touch keys of one slot: the keys each script is given
/// share a hash tag. These checks compute the slots as the cluster does.
@Suite("Redis key layout")
struct RedisKeyLayoutTests {
    @Test func hashSlotsMatchRedisClusterSpecification() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        #expect(RedisHashSlot.of("123456789") == 0x31C3 & 0x3FFF)
        #expect(RedisHashSlot.of("foo") == 12182)
        #expect(RedisHashSlot.of("{user1000}.following") == RedisHashSlot.of("user1000"))
        #expect(RedisHashSlot.of("foo{}{bar}") == RedisHashSlot.of("foo{}{bar}"))  // an empty tag: the whole key
        #expect(RedisHashSlot.of("foo{}{bar}") != RedisHashSlot.of("bar"))
        #expect(RedisHashSlot.of("foo{{bar}}zap") == RedisHashSlot.of("{bar"))
    }

    @Test func aCodesScriptKeysShareOneSlot() {
        for _ in 0..<50 {
            let connection = UUID()
            let tag = UUID().uuidString
            let keys = [
                RedisKeys.code(connection: connection, tag: tag), RedisKeys.failures(connection: connection, tag: tag),
                RedisKeys.lockout(connection: connection, tag: tag),
            ]
            #expect(Set(keys.map(RedisHashSlot.of)).count == 1, "\(keys)")
            let recipient = "someone\(Int.random(in: 0...999))@example.com"
            let legacy = [
                RedisKeys.Legacy.code(connection: connection, recipient: recipient),
                RedisKeys.Legacy.failures(connection: connection, recipient: recipient),
                RedisKeys.Legacy.lockout(connection: connection, recipient: recipient),
            ]
            #expect(Set(legacy.map(RedisHashSlot.of)).count == 1, "\(legacy)")
        }
    }

    @Test func aTenantsRateLimitBucketsShareOneSlot() {
        let tenant = UUID()
        let buckets = ["start:recipient:abc", "start:all", "start:ip:def", "start:country:44", "verify:recipient:abc"]
        #expect(Set(buckets.map { RedisHashSlot.of(RedisKeys.rateLimit(tenant: tenant, $0)) }).count == 1)
        // Different tenants spread over the cluster.
        let slots = Set((0..<64).map { _ in RedisHashSlot.of(RedisKeys.rateLimit(tenant: UUID(), "start:all")) })
        #expect(slots.count > 32)
    }
}
