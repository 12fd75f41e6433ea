import Foundation
import JobQueue

/// The queue page's numbers, as the page shows them and as `/queue/live` sends them to its
/// script (the same ``Codable`` value: one shape for the first paint and every update).
struct QueueView: Codable {
    var pending: Int
    var processing: Int
    var scheduled: Int
    var dead: Int
    var oldestPendingAge: String
    var partitions: [QueueStats.Partition]
    var workers: [Worker]
    var busiestTenants: [TenantDepth]
    var otherTenantsPending: Int
    /// SVG polyline points of each series over the sampled minutes.
    var chart: Chart
    var sampledAt: String

    struct Worker: Codable {
        var id: String
        var processing: Int
        var heartbeat: String
    }

    struct TenantDepth: Codable {
        var tenant: String
        var pending: Int
    }

    struct Chart: Codable {
        var pending: String
        var processing: String
        var scheduled: String
        var dead: String
        /// The value at the top of the chart.
        var maximum: Int
        var minutes: Int
    }

    static let chartWidth = 600.0
    static let chartHeight = 120.0

    /// `stats` with tenant ids named (`names`: id → name) and the sampler's history.
    init(_ stats: QueueStats, names: [String: String], samples: [QueueSampler.Sample], now: Date = Date()) {
        (pending, processing, scheduled, dead) = (stats.pending, stats.processing, stats.scheduled, stats.dead)
        oldestPendingAge = String(format: "%.1f s", stats.oldestPendingAgeSeconds)
        partitions = stats.partitions
        workers = stats.workers.map { Worker(id: $0.id, processing: $0.processing, heartbeat: $0.alive ? "alive" : "expired") }
        busiestTenants = stats.busiestTenants.map { TenantDepth(tenant: names[$0.tenant] ?? $0.tenant, pending: $0.pending) }
        otherTenantsPending = stats.otherTenantsPending
        let maximum = max(1, samples.map { max($0.pending, $0.processing, $0.scheduled, $0.dead) }.max() ?? 1)
        func points(_ value: (QueueSampler.Sample) -> Int) -> String {
            let step = Self.chartWidth / Double(max(1, QueueSampler.capacity - 1))
            let offset = Double(QueueSampler.capacity - samples.count)
            return samples.enumerated().map { index, sample in
                let x = (offset + Double(index)) * step
                let y = Self.chartHeight - Double(value(sample)) / Double(maximum) * (Self.chartHeight - 10)
                return String(format: "%.1f,%.1f", x, y)
            }.joined(separator: " ")
        }
        chart = Chart(
            pending: points(\.pending), processing: points(\.processing), scheduled: points(\.scheduled), dead: points(\.dead),
            maximum: maximum, minutes: QueueSampler.capacity * 5 / 60)
        sampledAt = Output.timestamp(now)
    }
}
