import RedisClient

extension RedisKeys {
    /// The delivery queue: ``QueuePartition``s, each under a hash tag of its own, and the keys of
    /// the single-list layout that came before them (``Legacy``), which dispatchers drain.
    public enum Queue {
        /// The number of partitions the queue was made with: set (`SET NX`) by the first process
        /// to start, then compared by every other (``QueueLayout/verify(using:record:)``).
        public static let partitionCount = "pl:{queue}:partitions"

        /// The keys of partition `index`.
        public static func partition(_ index: Int) -> QueuePartition { QueuePartition(index) }

        /// The queue before partitions: one FIFO under the `{queue}` tag. Nothing writes here any
        /// more but a gateway or dispatcher of the previous release during a rolling upgrade;
        /// dispatchers move what they find into the partitions (``LegacyQueue``).
        public enum Legacy {
            public static let pending = "pl:{queue}:pending"
            /// The set of worker ids that may hold jobs in a processing list.
            public static let workers = "pl:{queue}:workers"
            public static let processingPrefix = "pl:{queue}:processing:"
            public static let heartbeatPrefix = "pl:{queue}:heartbeat:"
            public static func processing(worker: String) -> String { processingPrefix + worker }
            public static func heartbeat(worker: String) -> String { heartbeatPrefix + worker }
            public static let scheduled = "pl:{queue}:scheduled"
            public static let dead = "pl:{queue}:dead"
        }
    }
}
