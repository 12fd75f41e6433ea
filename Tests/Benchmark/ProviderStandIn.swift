import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// A stand-in for Twilio's Messages API: answers `POST /2010-04-01/Accounts/{sid}/Messages.json`
/// with 201 and a message resource, after `delay`, and counts what it received.
///
/// It records when each message arrived, by its `To`, so the benchmark can measure the time from
/// `/passwordless/start` returning to the provider receiving the send. It holds as many
/// connections as the dispatcher opens (thousands against the 200 ms stand-in): each waits on a
/// sleeping task, and the benchmark raises its own descriptor limit (``RawLimits/raiseFileLimit()``).
final class ProviderStandIn: Sendable {
    let port: Int
    let delay: Duration

    private struct Tally {
        var received = 0
        var first: ContinuousClock.Instant?
        var last: ContinuousClock.Instant?
        var arrivals: [String: ContinuousClock.Instant] = [:]
        var recordArrivals = false
    }

    private let tally = NIOLockedValueBox(Tally())

    init(port: Int, delay: Duration) {
        self.port = port
        self.delay = delay
    }

    var received: Int { tally.withLockedValue { $0.received } }

    /// Messages received, and the span from the first to the last since the last reset.
    var window: (count: Int, span: Duration) {
        tally.withLockedValue { ($0.received, ($0.last ?? .now) - ($0.first ?? .now)) }
    }

    /// Forgets what was counted; with `recordArrivals`, keeps each message's arrival time.
    func reset(recordArrivals: Bool = false) {
        tally.withLockedValue { $0 = Tally(recordArrivals: recordArrivals) }
    }

    func arrivals() -> [String: ContinuousClock.Instant] { tally.withLockedValue { $0.arrivals } }

    func makeApplication() -> some ApplicationProtocol {
        let router = Router()
        router.post("/2010-04-01/Accounts/:sid/Messages.json") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let now = ContinuousClock.now
            let to = Self.formValue("To", in: String(buffer: body)) ?? ""
            self.tally.withLockedValue { tally in
                tally.received += 1
                if tally.first == nil { tally.first = now }
                tally.last = now
                if tally.recordArrivals { tally.arrivals[to] = now }
            }
            if self.delay > .zero { try await Task.sleep(for: self.delay) }
            let sid = "SM" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            return Response(
                status: .created, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"sid":"\#(sid)","status":"queued"}"#)))
        }
        var logger = Logger(label: "provider-stand-in")
        logger.logLevel = .error
        // A dispatcher with thousands of deliveries in flight opens as many connections at once.
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), backlog: 4096), logger: logger)
    }

    static func formValue(_ name: String, in form: String) -> String? {
        for pair in form.split(separator: "&") where pair.hasPrefix(name + "=") {
            return String(pair.dropFirst(name.count + 1)).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
