import CCurl
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// HTTPS requests to provider APIs and SMTP submission, both through libcurl.
///
/// libcurl's easy interface blocks, so every transfer runs on this transport's own thread
/// pool, never on an event loop or the cooperative pool; the pool's size bounds how many
/// deliveries one process has in flight. Easy handles are kept between transfers (reset, not
/// freed), so connections to a provider stay open and are reused.
///
/// The transport is a `Service`: in a service group it is closed at shutdown, after the
/// services that were started after it (its users) have stopped.
public final class CurlTransport: Service, Sendable {
    private let threads: NIOThreadPool
    private let handles: NIOLockedValueBox<[CurlHandle]>
    /// The most response bytes buffered from one provider answer.
    public static let maximumResponseBytes = 1 << 20

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// - Parameter concurrency: how many transfers may run at once (threads).
    public init(concurrency: Int = 64) {
        _ = Self.globalInit
        threads = NIOThreadPool(numberOfThreads: max(1, concurrency))
        handles = NIOLockedValueBox([])
        threads.start()
    }

    /// Waits for graceful shutdown, then closes the transport.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Waits for transfers in progress, then frees the threads and handles.
    public func shutdown() async {
        try? await threads.shutdownGracefully()
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
    private func onThread<T: Sendable>(_ body: @escaping @Sendable (CurlHandle) throws(TransportError) -> T) async throws(TransportError) -> T {
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
