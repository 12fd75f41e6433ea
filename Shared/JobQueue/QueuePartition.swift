import RedisClient

/// The keys of one partition of the send queue, all under the hash tag `{queue:N}` so that every
/// script touches one slot of a Redis Cluster, and the partitions spread over its masters.
///
/// ```
/// pl:{queue:N}:ready                 tenants with work, in turn order (a ring: served from the right, back in on the left)
/// pl:{queue:N}:t:<tenant>            that tenant's pending jobs, oldest on the right
/// pl:{queue:N}:wake                  a few tokens: pushed when work arrives, popped by an idle dispatcher's BLPOP
/// pl:{queue:N}:processing:<worker>   jobs a dispatcher took from this partition and has not settled
/// pl:{queue:N}:heartbeat:<worker>    exists (with a TTL) while that dispatcher lives
/// pl:{queue:N}:workers               workers that may hold jobs here
/// pl:{queue:N}:scheduled             retries, scored by due time (ms)
/// pl:{queue:N}:dead                  dead letters, newest first, capped
/// ```
///
/// A tenant is in `ready` exactly when its list is not empty; every script that pushes to or pops
/// from a tenant's list keeps it so.
public struct QueuePartition: Sendable, Hashable, CustomStringConvertible {
    public let index: Int

    public init(_ index: Int) {
        self.index = index
    }

    /// The hash tag's content: Redis Cluster hashes only this part of every key below.
    public var hashTag: String { "queue:\(index)" }
    private var prefix: String { "pl:{queue:\(index)}:" }

    public var ready: String { prefix + "ready" }
    /// The prefix scripts put a tenant id behind.
    public var tenantPrefix: String { prefix + "t:" }
    /// The pending list of `tenant` (a lower-case UUID; ``malformedTenant`` for jobs that do not decode).
    public func tenant(_ tenant: String) -> String { tenantPrefix + tenant }
    public var wake: String { prefix + "wake" }
    public var workers: String { prefix + "workers" }
    public var processingPrefix: String { prefix + "processing:" }
    public func processing(worker: String) -> String { processingPrefix + worker }
    public var heartbeatPrefix: String { prefix + "heartbeat:" }
    public func heartbeat(worker: String) -> String { heartbeatPrefix + worker }
    public var scheduled: String { prefix + "scheduled" }
    public var dead: String { prefix + "dead" }

    /// The tenant whose list holds what is not a job: it takes its turns like any other, and its
    /// jobs are dead-lettered as malformed when taken.
    public static let malformedTenant = "malformed"

    /// Every key and key prefix of the partition, for the test that checks their hash tags.
    public var keysAndPrefixes: [String] {
        [ready, tenantPrefix, wake, workers, processingPrefix, heartbeatPrefix, scheduled, dead]
    }

    public var description: String { "partition \(index)" }
}

/// A job a dispatcher took, with the partition it came from (where it settles).
public struct TakenJob: Sendable, Hashable {
    public var partition: QueuePartition
    /// The job's bytes as they sit in the processing list.
    public var raw: [UInt8]

    public init(partition: QueuePartition, raw: [UInt8]) {
        self.partition = partition
        self.raw = raw
    }
}
