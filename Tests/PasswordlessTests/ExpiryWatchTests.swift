import Foundation
import JobQueue
import RedisClient
import Testing

@testable import Events

/// The expiry watch behind `verification.expired`, against a Redis of its own: keys in their
/// partition's slot, due members claimed once however many sweepers ask, a watch renewed by a
/// new code surviving the old claim's release, and an unwatched code never reported.
@Suite("Expiry watch")
struct ExpiryWatchTests {
    static let entry = ExpiryWatch.Entry(tenant: UUID(), data: EventData(connection: "sms", recipient: "+14•••••••23"))

    @Test func theKeysShareTheirPartitionsSlot() {
        for partition in QueueLayout().partitions {
            let (set, data) = ExpiryWatch.keys(partition)
            #expect(RedisHashSlot.of(set) == RedisHashSlot.of(data))
            #expect(RedisHashSlot.of(set) == RedisHashSlot.of(partition.ready))
        }
    }

    @Test func dueMembersAreClaimedOnceAndUnwatchedOnesNever() async throws {
        try await PartitionedQueueTests.withRedis { redis in
            let layout = QueueLayout(partitions: 4)
            let past = Date().millisecondsSince1970 - 1000
            var commands: [RedisCommand] = []
            for index in 0..<40 { commands += ExpiryWatch.watch("c:\(index)", until: past, entry: Self.entry, layout: layout) }
            commands += ExpiryWatch.watch("later", until: past + 3_600_000, entry: Self.entry, layout: layout)
            commands += ExpiryWatch.unwatch("c:0", layout: layout)
            for reply in try await redis.pipeline(commands) { _ = try reply.throwingServerError() }

            // Four sweepers at once: every due member goes to exactly one of them.
            let claims = try await withThrowingTaskGroup(of: [ExpiryWatch.Claim].self) { group in
                for _ in 0..<4 { group.addTask { try await ExpiryWatch.claimDue(redis: redis, layout: layout) } }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claims.map(\.member).sorted() == (1..<40).map { "c:\($0)" }.sorted())
            #expect(claims.allSatisfy { $0.entry == Self.entry })
            // A claim not released yet is not claimed again before its lease ends.
            #expect(try await ExpiryWatch.claimDue(redis: redis, layout: layout).isEmpty)

            // A new code for c:1 while its claim is out: releasing the old claim keeps the new watch.
            for reply in try await redis.pipeline(ExpiryWatch.watch("c:1", until: past, entry: Self.entry, layout: layout)) {
                _ = try reply.throwingServerError()
            }
            try await ExpiryWatch.release(claims, redis: redis)
            #expect(try await ExpiryWatch.claimDue(redis: redis, layout: layout).map(\.member) == ["c:1"])
        }
    }
}
