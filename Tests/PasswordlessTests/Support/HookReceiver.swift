import Foundation

/// A local endpoint (`Tests/support/hook_receiver.py`) that records every POST it gets — headers
/// and raw body — and answers 200, `status`, or 500 to the first `failFirst` requests.
final class HookReceiver: @unchecked Sendable {
    let process: ManagedProcess
    let port: Int
    let log: URL

    var url: String { "http://127.0.0.1:\(port)/events" }

    /// One recorded request.
    struct Request: Decodable {
        var t: Double
        var path: String
        var headers: [String: String]
        var body: String
        var status: Int

        /// The body as JSON.
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
        var type: String { json["type"] as? String ?? "" }
        var eventID: String { json["id"] as? String ?? "" }
        var data: [String: Any] { json["data"] as? [String: Any] ?? [:] }
    }

    init(status: Int = 200, failFirst: Int = 0) async throws {
        port = try TestEnvironment.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("hook-\(UUID().uuidString).jsonl")
        process = try ManagedProcess.python(
            script: "hook_receiver.py",
            arguments: ["--port", String(port), "--out", log.path, "--status", String(status), "--fail-first", String(failFirst)])
        try await process.waitForOutput("READY")
    }

    /// Every request so far, in arrival order.
    func requests() -> [Request] {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    /// The requests it answered with 200 (events delivered).
    func delivered() -> [Request] { requests().filter { $0.status == 200 } }

    deinit { process.signal(SIGKILL) }
}
