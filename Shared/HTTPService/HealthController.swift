import Foundation
import Hummingbird
import PasswordlessCore
import PostgresNIO
import RedisClient

/// `GET /healthz` (the process is alive) and `GET /readyz` (its dependencies answer).
///
/// `/readyz` runs every check at once, each bounded by ``timeout``, and answers 200
/// `{"status":"ready","checks":{…}}` or 503 `{"status":"unavailable","reason":…,"checks":{…}}`.
/// Nothing is cached: a dependency that goes away shows on the next probe, and one that comes
/// back does too, with no restart.
public struct HealthController<Context: RequestContext>: Sendable {
    public let checks: [ReadinessCheck]
    public let timeout: Duration

    public init(checks: [ReadinessCheck], timeout: Duration = .seconds(2)) {
        self.checks = checks
        self.timeout = timeout
    }

    public func addRoutes(to router: Router<Context>) {
        router.get("/healthz") { _, _ in HealthReport(status: "ok") }
        router.get("/readyz") { _, _ in
            let results = await run()
            let failures = results.filter { $0.value != "ok" }.sorted { $0.key < $1.key }
            if failures.isEmpty {
                return HealthReport(status: "ready", checks: results)
            }
            let reason = failures.map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            return HealthReport(status: "unavailable", reason: reason, checks: results)
        }
    }

    /// Each check's outcome: `ok`, or why it failed.
    public func run() async -> [String: String] {
        await withTaskGroup(of: (String, String).self) { group in
            for check in checks {
                group.addTask {
                    (check.name, await Self.outcome(of: check, within: timeout))
                }
            }
            var results: [String: String] = [:]
            for await (name, outcome) in group { results[name] = outcome }
            return results
        }
    }

    private static func outcome(of check: ReadinessCheck, within timeout: Duration) async -> String {
        do {
            // Not a task group: that would wait for a check stuck on a socket to give up by itself.
            try await Deadline.run(within: timeout) { try await check.check() }
            return "ok"
        } catch is DeadlineExceeded {
            return "no answer within \(timeout)"
        } catch let error as RedisError {
            return error.description
        } catch let error as PSQLError {
            return "unavailable (\(error.code))"
        } catch {
            return "unavailable"
        }
    }
}
