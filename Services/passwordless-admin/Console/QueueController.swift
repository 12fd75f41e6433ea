import Foundation
import Hummingbird
import JobQueue
import PasswordlessStorage
import PostgresNIO
import RedisClient

/// `/queue`: pending, processing, scheduled and dead jobs per partition and for the busiest
/// tenants, the oldest pending job's age, the workers and their heartbeats, and a chart of the
/// last minutes; its inline script polls `/queue/live` and updates the page without a reload.
/// It reads ``QueueStats`` directly (as `queue stats` does), since it polls.
struct QueueController {
    let redis: RedisClient
    let layout: QueueLayout
    let postgres: PostgresClient
    let sampler: QueueSampler
    let pages: Pages

    func addRoutes(to router: Router<ConsoleContext>) {
        router.get("/queue") { _, context in
            var page = PageView(title: "Queue")
            do {
                page.queue = try await view(context: context)
            } catch {
                page.error = "The queue cannot be read just now (Redis)."
            }
            return pages.render("queue", page, context: context)
        }
        router.get("/queue/live") { _, context in
            let view = try await view(context: context)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(view))))
        }
    }

    func view(context: ConsoleContext) async throws -> QueueView {
        let stats = try await QueueStats.read(from: redis, layout: layout)
        let tenants = (try? await TenantRepository(client: postgres, logger: context.logger).all()) ?? []
        let names = Dictionary(tenants.map { ($0.id.uuidString.lowercased(), $0.name) }) { first, _ in first }
        return QueueView(stats, names: names, samples: sampler.samples)
    }
}
