import Metrics

/// `passwordless_identity_cache_total{result}`: identity cache reads, `hit` or `miss` (a
/// tombstone counts as a miss). On a connection with sign-ups disabled, existing and missing
/// users both hit after their first start, so the counter tells no one apart.
enum IdentityCacheMetrics {
    static let hit = Counter(label: "passwordless_identity_cache_total", dimensions: [("result", "hit")])
    static let miss = Counter(label: "passwordless_identity_cache_total", dimensions: [("result", "miss")])

    static func count(hit: Bool) {
        (hit ? Self.hit : Self.miss).increment()
    }
}
