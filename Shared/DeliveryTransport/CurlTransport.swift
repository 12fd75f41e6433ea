import CCurl
import NIOConcurrencyHelpers
import NIOPosix
import PasswordlessCore
import ServiceLifecycle

/// HTTPS requests to provider APIs and SMTP submission, both through libcurl.
///
/// libcurl's easy interface blocks, so every transfer runs on this transport's own thread
/// pool, never on an event loop or the cooperative pool; the pool's size bounds how many
/// deliveries one process has in flight. Easy handles are kept between transfers (reset, not
/// freed), so connections to a provider stay open and are reused.
///
/// The transport is a `Service`: in a service group it is closed at shutdown, after the
/// services that were started after it (its users) have stopped. Its threads start in `run()`;
/// transfers asked for earlier wait for that, for at most `startTimeout`, then fail with
/// ``TransportError/notRunning``.
public final class CurlTransport: Service, Sendable, CustomStringConvertible {
    private let threads: NIOThreadPool
    private let handles: NIOLockedValueBox<[CurlHandle]>
    private let concurrency: Int
    private let startTimeout: Duration
    private let gate = StartGate()
    /// Finished by ``shutdown()``, so that a `run()` outside a service group returns then too.
    /// The most response bytes buffered from one provider answer.
    public static let maximumResponseBytes = 1 << 20

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// - Parameters:
    ///   - concurrency: how many transfers may run at once (threads).
    ///   - startTimeout: how long a transfer asked for before `run()` has started waits for it.
    public init(concurrency: Int = 64, startTimeout: Duration = .seconds(5)) {
        self.concurrency = max(1, concurrency)
        self.startTimeout = startTimeout
        threads = NIOThreadPool(numberOfThreads: self.concurrency)
        handles = NIOLockedValueBox([])
    }

    /// One line for the service group's logs.
    public var description: String { "CurlTransport(\(concurrency) threads)" }

    /// Starts the threads, waits for graceful shutdown (or cancellation, or ``shutdown()``), then
    /// closes the transport. Returns at once if the transport was already started or shut down.
    public func run() async throws {
        guard gate.claim() else { return }
        _ = Self.globalInit
        threads.start()
        guard gate.open() else {  // shut down while starting: nobody else stops the threads
            try? await threads.shutdownGracefully()
            return
        }
        await gate.waitUntilStopped()
        await shutdown()
    }

    /// Waits for transfers in progress, then frees the threads and handles. Idempotent.
    public func shutdown() async {
        let previous = gate.close()
        if previous == .running { try? await threads.shutdownGracefully() }
        handles.withLockedValue { $0.removeAll() }
    }

    /// Performs one HTTP request and returns the answer, whatever its status.
    public func perform(_ request: OutgoingHTTPRequest) async throws(TransportError) -> IncomingHTTPResponse {
        try await onThread { handle throws(TransportError) in try handle.perform(request) }
    }

    /// Submits one message over SMTP (STARTTLS as `server.tls` says, AUTH when credentials are set).
    public func send(_ mail: OutgoingMail, via server: SMTPServer) async throws(TransportError) {
        try await onThread { handle throws(TransportError) in try handle.send(mail, via: server) }
    }

    /// Runs one transfer on a pool thread. Cancelling the calling task aborts the transfer
    /// (libcurl's progress callback checks the flag at least once a second).
    private func onThread<T: Sendable>(
        _ body: @escaping @Sendable (CurlHandle) throws(TransportError) -> T
    ) async throws(TransportError) -> T {
        if gate.current != .running {
            switch await gate.wait(until: .now + startTimeout) {
            case .running: break
            case .closed: throw .invalidRequest("the transport is shut down")
            case .notStarted, .starting: throw .notRunning
            }
        }
        let handles = self.handles
        let cancellation = CancellationFlag()
        let result: Result<T, TransportError>
        do {
            result = try await withTaskCancellationHandler {
                try await threads.runIfActive {
                    let handle = handles.withLockedValue { $0.popLast() } ?? CurlHandle()
                    defer { handles.withLockedValue { $0.append(handle) } }
                    handle.cancellation = cancellation
                    defer { handle.cancellation = nil }
                    do throws(TransportError) {
                        return .success(try body(handle))
                    } catch {
                        return .failure(error)
                    }
                }
            } onCancel: {
                cancellation.cancel()
            }
        } catch {
            throw .invalidRequest("the transport is shut down")
        }
        return try result.get()
    }
}

/// Set when the task that started a transfer is cancelled; the transfer's progress callback
/// aborts it.
final class CancellationFlag: Sendable {
    private let flag = NIOLockedValueBox(false)
    func cancel() { flag.withLockedValue { $0 = true } }
    var isCancelled: Bool { flag.withLockedValue { $0 } }
}
