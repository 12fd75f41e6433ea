import NIOConcurrencyHelpers

/// A small in-memory cache whose entries expire after a fixed time, absent values included.
///
/// Tenants, clients and connections change rarely and are read on every request; caching them
/// keeps PostgreSQL off the request path. A change made with the admin CLI shows within `ttl`.
public final class TTLCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let ttl: Duration
    private let entries = NIOLockedValueBox<[Key: (expires: ContinuousClock.Instant, value: Value?)]>([:])

    public init(ttl: Duration) {
        self.ttl = ttl
    }

    /// The cached value, or the one `load` produces (then cached, even when nil).
    public func value(for key: Key, load: () async throws -> Value?) async throws -> Value? {
        let now = ContinuousClock.now
        if let entry = entries.withLockedValue({ $0[key] }), entry.expires > now { return entry.value }
        let value = try await load()
        entries.withLockedValue { entries in
            if entries.count > 10_000 { entries = entries.filter { $0.value.expires > now } }
            entries[key] = (now + ttl, value)
        }
        return value
    }

}
