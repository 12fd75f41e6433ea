import CCurl
import NIOConcurrencyHelpers
import PasswordlessCore
import ServiceLifecycle

/// HTTPS requests to provider APIs and SMTP submission, both through libcurl's multi interface.
///
/// One thread (``CurlMultiDriver``) drives every transfer, so thousands can be in flight at the
/// cost of a socket and an easy handle each (a few tens of KiB), never a thread each; callers
/// await their transfer's outcome without blocking anything. `concurrency` bounds how many run at
/// once; further ones wait in line. Connections stay open in libcurl's connection cache and are
/// reused by later transfers to the same server: HTTPS keep-alive, and SMTP sessions, which take
/// the next message to the same server with the same credentials and TLS settings.
///
/// With `threads` above 1, transfers are dealt round robin to that many drivers, each with its
/// own connection cache and its share of `concurrency`; one suffices for thousands in flight.
///
/// The transport is a `Service`: in a service group it is closed at shutdown, after the
/// services that were started after it (its users) have stopped. Its threads start in `run()`;
/// transfers asked for earlier wait for that, for at most `startTimeout`, then fail with
/// ``TransportError/notRunning``. Transfers still in flight when it shuts down fail with
/// ``TransportError/cancelled``.
public final class CurlTransport: Service, Sendable, CustomStringConvertible {
    private let drivers: [CurlMultiDriver]
    private let nextDriver = NIOLockedValueBox(0)
    private let concurrency: Int
    private let startTimeout: Duration
    private let gate = StartGate()
    /// The most response bytes buffered from one provider answer.
    public static let maximumResponseBytes = 1 << 20

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// - Parameters:
    ///   - concurrency: how many transfers may be in flight at once (each is a socket and an
    ///     easy handle, not a thread).
    ///   - threads: how many threads drive them (each with its own libcurl multi handle).
    ///   - startTimeout: how long a transfer asked for before `run()` has started waits for it.
    public init(concurrency: Int = 64, threads: Int = 1, startTimeout: Duration = .seconds(5)) {
        self.concurrency = max(1, concurrency)
        self.startTimeout = startTimeout
        let threads = min(max(1, threads), self.concurrency)
        let share = (self.concurrency + threads - 1) / threads
        drivers = (0..<threads).map { CurlMultiDriver(limit: share, name: "curl-multi-\($0)") }
    }

    /// One line for the service group's logs.
    public var description: String { "CurlTransport(\(concurrency) transfers in flight, \(drivers.count) libcurl threads)" }

    /// Starts the threads, waits for graceful shutdown (or cancellation, or ``shutdown()``), then
    /// closes the transport. Returns at once if the transport was already started or shut down.
    public func run() async throws {
        guard gate.claim() else { return }
        _ = Self.globalInit
        for driver in drivers { driver.start() }
        guard gate.open() else {  // shut down while starting: nobody else stops the threads
            for driver in drivers { await driver.stop() }
            return
        }
        await gate.waitUntilStopped()
        await shutdown()
    }

    /// Fails the transfers still in flight, closes the connections and stops the threads.
    /// Idempotent.
    public func shutdown() async {
        let previous = gate.close()
        if previous == .running {
            for driver in drivers { await driver.stop() }
        }
    }

    /// Performs one HTTP request and returns the answer, whatever its status.
    public func perform(_ request: OutgoingHTTPRequest) async throws(TransportError) -> IncomingHTTPResponse {
        try await transfer(.http(request))
    }

    /// Submits one message over SMTP (STARTTLS as `server.tls` says, AUTH when credentials are set).
    public func send(_ mail: OutgoingMail, via server: SMTPServer) async throws(TransportError) {
        _ = try await transfer(.mail(mail, server))
    }

    /// Runs one transfer on a driver. Cancelling the calling task aborts the transfer at once
    /// (its connection is closed) and fails it with ``TransportError/cancelled``.
    private func transfer(_ work: CurlTransfer.Work) async throws(TransportError) -> IncomingHTTPResponse {
        try CurlTransfer.validate(work)
        if gate.current != .running {
            switch await gate.wait(until: .now + startTimeout) {
            case .running: break
            case .closed: throw .invalidRequest("the transport is shut down")
            case .notStarted, .starting: throw .notRunning
            }
        }
        let driver = nextDriverInTurn()
        let transfer = CurlTransfer(work)
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CurlTransfer.Outcome, Never>) in
                transfer.continuation = continuation
                if !driver.submit(transfer) {
                    transfer.continuation = nil
                    continuation.resume(returning: .failure(.invalidRequest("the transport is shut down")))
                }
            }
        } onCancel: {
            driver.cancel(transfer)
        }
        return try outcome.get()
    }

    /// The drivers in turn (round robin).
    private func nextDriverInTurn() -> CurlMultiDriver {
        guard drivers.count > 1 else { return drivers[0] }
        let count = drivers.count
        return drivers[
            nextDriver.withLockedValue { next in
                defer { next = (next + 1) % count }
                return next
            }]
    }
}
