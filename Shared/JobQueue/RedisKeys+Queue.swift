import RedisClient

extension RedisKeys {
    /// The delivery queue.
    public enum Queue {
        public static let pending = "pl:{queue}:pending"
        public static func processing(worker: String) -> String { processingPrefix + worker }
        /// The set of worker ids that may hold jobs in a processing list.
        public static let workers = "pl:{queue}:workers"
        /// Prefixes for the per-worker keys, as scripts build them.
        public static let processingPrefix = "pl:{queue}:processing:"
        public static let heartbeatPrefix = "pl:{queue}:heartbeat:"
        /// Exists (with a TTL) while the worker lives.
        public static func heartbeat(worker: String) -> String { heartbeatPrefix + worker }
        public static let scheduled = "pl:{queue}:scheduled"
        public static let dead = "pl:{queue}:dead"
    }
}
