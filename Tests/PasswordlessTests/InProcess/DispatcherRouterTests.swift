import DispatcherApp
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The dispatcher's own port in process: health, readiness and the metrics monitoring scrapes,
/// with the delivery worker running beside them.
@Suite("Dispatcher routes, in process")
struct DispatcherRouterTests {
    @Test func healthReadinessAndMetricsAnswer() async throws {
        try await InProcessFixture.with { fixture in
            let app = try Dispatcher.buildApplication(
                configuration: fixture.configuration, registry: RouterTest.registry(), logger: RouterTest.logger)
            try await app.test(.router) { client in
                #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
                let ready = try await client.execute(uri: "/readyz", method: .get)
                #expect(ready.status == .ok)
                let metrics = try await client.execute(uri: "/metrics", method: .get)
                #expect(metrics.status == .ok)
                #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(try await client.execute(uri: "/passwordless/start", method: .post).status == .notFound)
            }
        }
    }
}
