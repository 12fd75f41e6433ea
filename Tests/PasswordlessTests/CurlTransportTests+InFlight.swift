import DeliveryTransport
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import Testing

/// The multi interface under load and at its edges: thousands of transfers on one libcurl thread,
/// cancellation, oversized answers, and a shutdown with transfers in flight.
extension CurlTransportTests {
    /// Requests a slow provider holds open, and the most held at one moment.
    final class OpenRequests: Sendable {
        private let state = NIOLockedValueBox((open: 0, peak: 0, total: 0))
        func opened() { state.withLockedValue { $0 = ($0.open + 1, max($0.peak, $0.open + 1), $0.total + 1) } }
        func closed() { state.withLockedValue { $0.open -= 1 } }
        var open: Int { state.withLockedValue { $0.open } }
        var peak: Int { state.withLockedValue { $0.peak } }
        var total: Int { state.withLockedValue { $0.total } }
    }

    /// A real HTTP server on a real port: `/hold` answers after a second, `/hang` after a minute,
    /// `/large` with 2 MiB. Its listen backlog takes a burst of thousands of connections.
    func withSlowProvider(_ test: @Sendable (Int, OpenRequests) async throws -> Void) async throws {
        let requests = OpenRequests()
        let router = Router()
        for (path, delay) in [("/hold", Duration.seconds(1)), ("/hang", .seconds(60))] {
            router.post(RouterPath(path)) { _, _ in
                requests.opened()
                defer { requests.closed() }
                try await Task.sleep(for: delay)
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "held")))
            }
        }
        router.get("/large") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: 2 << 20)))
        }
        let port = try TestEnvironment.freePort()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), backlog: 4096), logger: .quiet)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            guard await TestEnvironment.eventually(within: .seconds(10), { RedisServerProcess.accepts(port: port) }) else {
                throw TestFailure("the slow provider stand-in did not start on port \(port)")
            }
            defer { group.cancelAll() }
            try await test(port, requests)
        }
    }

    /// The number of threads of this process, from /proc.
    static func threadCount() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }),
            let count = Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
        else { throw TestFailure("no Threads: line in /proc/self/status") }
        return count
    }

    /// 2,000 requests to a provider that takes a second each: run one after another, or 16 at a
    /// time, they would take half an hour or two minutes; on one libcurl thread they are all open
    /// at once and the batch takes a few seconds, without a thread per request.
    @Test func thousandsOfTransfersInFlightOnOneThread() async throws {
        try await withSlowProvider { port, requests in
            let transport = CurlTransport.running(concurrency: 2048)
            #expect(transport.description == "CurlTransport(2048 transfers in flight, 1 libcurl threads)")
            let threadsBefore = try Self.threadCount()
            let peakThreads = NIOLockedValueBox(threadsBefore)
            let started = ContinuousClock.now
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        let threads = try Self.threadCount()
                        peakThreads.withLockedValue { $0 = max($0, threads) }
                        try? await Task.sleep(for: .milliseconds(50))
                    }
                    return -1
                }
                for _ in 0..<2000 {
                    group.addTask { try await transport.perform(OutgoingHTTPRequest(url: "http://127.0.0.1:\(port)/hold")).status }
                }
                var statuses: [Int] = []
                for try await status in group where status != -1 {
                    statuses.append(status)
                    if statuses.count == 2000 { group.cancelAll() }
                }
                return statuses
            }
            let elapsed = ContinuousClock.now - started
            #expect(statuses.count == 2000 && statuses.allSatisfy { $0 == 200 })
            #expect(requests.total == 2000)
            #expect(requests.peak >= 1000, "at most \(requests.peak) requests were open at once")
            #expect(elapsed < .seconds(15), "2,000 one-second requests took \(elapsed)")
            let extraThreads = peakThreads.withLockedValue { $0 } - threadsBefore
            #expect(extraThreads < 16, "\(extraThreads) more threads while 2,000 transfers were in flight")
            await transport.shutdown()
        }
    }

    /// Cancelling the caller aborts its transfer at once, whether it runs or waits for a slot.
    @Test func cancellationAbortsRunningAndWaitingTransfers() async throws {
        try await withSlowProvider { port, requests in
            let transport = CurlTransport.running(concurrency: 1)
            let request = OutgoingHTTPRequest(url: "http://127.0.0.1:\(port)/hang", timeout: .seconds(120))
            let running = Task { try await transport.perform(request) }
            guard await TestEnvironment.eventually(within: .seconds(5), { requests.open == 1 }) else {
                throw TestFailure("the first request never reached the provider")
            }
            let waiting = Task { try await transport.perform(request) }  // no free slot: it waits in line
            try await Task.sleep(for: .milliseconds(200))
            let started = ContinuousClock.now
            waiting.cancel()
            await #expect(throws: TransportError.cancelled) { try await waiting.value }
            running.cancel()
            await #expect(throws: TransportError.cancelled) { try await running.value }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(requests.total == 1, "the waiting request was sent although cancelled")
            // The slot is free again.
            let answer = try await transport.perform(OutgoingHTTPRequest(url: "http://127.0.0.1:\(port)/hold"))
            #expect(answer.status == 200)
            await transport.shutdown()
        }
    }

    /// An answer over `maximumResponseBytes` is refused, not buffered, and not worth retrying.
    @Test func answersOverTheLimitAreRefused() async throws {
        try await withSlowProvider { port, _ in
            let transport = CurlTransport.running(concurrency: 2)
            await #expect {
                try await transport.perform(OutgoingHTTPRequest(url: "http://127.0.0.1:\(port)/large", method: "GET"))
            } throws: { error in
                error as? TransportError == .responseTooLarge && !(error as! TransportError).isTransient
            }
            await transport.shutdown()
        }
    }

    /// A shutdown with transfers in flight fails them (as worth retrying) and returns promptly;
    /// later transfers are refused.
    @Test func shutdownFailsTransfersInFlight() async throws {
        try await withSlowProvider { port, requests in
            let transport = CurlTransport.running(concurrency: 8)
            let request = OutgoingHTTPRequest(url: "http://127.0.0.1:\(port)/hang", timeout: .seconds(120))
            let transfers = (0..<20).map { _ in Task { try await transport.perform(request) } }  // 8 run, 12 wait
            guard await TestEnvironment.eventually(within: .seconds(5), { requests.open == 8 }) else {
                throw TestFailure("only \(requests.open) of 8 requests reached the provider")
            }
            let started = ContinuousClock.now
            await transport.shutdown()
            for transfer in transfers {
                await #expect(throws: TransportError.cancelled) { try await transfer.value }
            }
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(TransportError.cancelled.isTransient)
            await #expect(throws: TransportError.invalidRequest("the transport is shut down")) {
                try await transport.perform(OutgoingHTTPRequest(url: "http://127.0.0.1:\(port)/hold"))
            }
        }
    }
}
