import CCurl
import Foundation
import NIOConcurrencyHelpers

/// One thread that drives up to `limit` transfers at once through a libcurl multi handle.
///
/// Callers ``submit(_:)`` transfers into a lock-protected inbox and wake the thread with
/// `curl_multi_wakeup`; the thread loops over `curl_multi_perform` (which moves every transfer as
/// far as its sockets allow), `curl_multi_info_read` (which reports the finished ones, whose
/// callers are then resumed) and `curl_multi_poll` (which sleeps until a socket is ready, a
/// libcurl timer is due or a caller wakes it). Transfers beyond `limit` wait in line without an
/// easy handle. A thousand transfers in flight cost a thousand easy handles and sockets, not a
/// thousand threads.
///
/// Connections stay in the multi handle's connection cache (up to `limit` idle ones), shared by
/// every easy handle of this driver; SMTP sessions stay in ``SMTPConnectionCaches``. Easy handles
/// are pooled. Everything libcurl owns is touched by the driver's thread only.
final class CurlMultiDriver: @unchecked Sendable {
    private struct Inbox {
        /// The multi handle while the thread runs: `curl_multi_wakeup` is called under the lock,
        /// so never after the thread has freed it.
        var multi: UnsafeMutableRawPointer?
        var submitted: [CurlTransfer] = []
        var cancelled: [CurlTransfer] = []
        var stopping = false

        var isEmpty: Bool { submitted.isEmpty && cancelled.isEmpty }
    }

    /// The most transfers this driver runs at once.
    let limit: Int
    private let name: String
    private let inbox = NIOLockedValueBox(Inbox())
    private let exited = AsyncStream.makeStream(of: Void.self)

    // MARK: The driver thread's own state

    private var waiting = TransferLine()
    /// Running transfers by their easy handle.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var idleHandles: [CurlHandle] = []
    private var smtpCaches = SMTPConnectionCaches()

    init(limit: Int, name: String) {
        self.limit = max(1, limit)
        self.name = name
    }

    /// Makes the multi handle and starts the thread. Called once, after `curl_global_init`.
    func start() {
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        // Keep as many idle connections as transfers may run, so a burst's connections all stay
        // open for the next one (libcurl's default is four per easy handle added so far).
        _ = pcurl_multi_set_long(multi, CURLMOPT_MAXCONNECTS, limit)
        inbox.withLockedValue { $0.multi = multi }
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Hands a transfer to the thread; false once the driver is stopping (nothing was sent).
    func submit(_ transfer: CurlTransfer) -> Bool {
        inbox.withLockedValue { inbox in
            guard !inbox.stopping, let multi = inbox.multi else { return false }
            if inbox.isEmpty { curl_multi_wakeup(multi) }  // otherwise a wake-up is pending already
            inbox.submitted.append(transfer)
            return true
        }
    }

    /// Aborts a transfer (its caller was cancelled): it fails with ``TransportError/cancelled``
    /// at once, whether it was waiting or running; a transfer already finished is left alone.
    func cancel(_ transfer: CurlTransfer) {
        transfer.markCancelled()
        inbox.withLockedValue { inbox in
            guard !inbox.stopping, let multi = inbox.multi else { return }
            if inbox.isEmpty { curl_multi_wakeup(multi) }
            inbox.cancelled.append(transfer)
        }
    }

    /// Fails every transfer waiting or in flight with ``TransportError/cancelled``, closes the
    /// connections and returns once the thread has exited. Only the first call waits.
    func stop() async {
        let wasRunning = inbox.withLockedValue { inbox in
            guard !inbox.stopping else { return false }
            inbox.stopping = true
            guard let multi = inbox.multi else { return false }
            curl_multi_wakeup(multi)
            return true
        }
        if wasRunning { for await _ in exited.stream {} }
    }

    // MARK: The thread

    private func run() {
        guard let multi = inbox.withLockedValue({ $0.multi }) else { return }
        while true {
            let (submitted, cancelled, stopping) = inbox.withLockedValue { inbox in
                defer { (inbox.submitted, inbox.cancelled) = ([], []) }
                return (inbox.submitted, inbox.cancelled, inbox.stopping)
            }
            waiting.append(contentsOf: submitted)
            if stopping { break }
            for transfer in cancelled { abort(transfer, in: multi) }
            startWaiting(in: multi)
            var stillRunning: Int32 = 0
            _ = curl_multi_perform(multi, &stillRunning)
            collectFinished(in: multi)
            // Slots freed up and transfers wait for them: start those before sleeping.
            if !waiting.isEmpty && running.count < limit { continue }
            var ready: Int32 = 0
            _ = curl_multi_poll(multi, nil, 0, 1000, &ready)
        }
        close(multi)
    }

    /// Moves waiting transfers onto easy handles in the multi handle, up to `limit` running.
    private func startWaiting(in multi: UnsafeMutableRawPointer) {
        while running.count < limit, let transfer = waiting.popFirst() {
            guard !transfer.isCancelled else {
                transfer.finish(.failure(.cancelled))
                continue
            }
            let handle = idleHandles.popLast() ?? CurlHandle()
            var share: UnsafeMutableRawPointer?
            if case .mail(_, let server) = transfer.work { share = smtpCaches.share(for: server) }
            do {
                try handle.prepare(transfer, share: share)
            } catch {
                recycle(handle)
                transfer.finish(.failure(error))
                continue
            }
            transfer.handle = handle
            let code = curl_multi_add_handle(multi, handle.pointer)
            guard code == CURLM_OK else {
                recycle(handle)
                transfer.finish(.failure(.invalidRequest(String(cString: curl_multi_strerror(code)))))
                continue
            }
            running[handle.pointer] = transfer
        }
    }

    /// Resumes the callers of every transfer libcurl reports done.
    private func collectFinished(in multi: UnsafeMutableRawPointer) {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            // The message is gone once its handle leaves the multi handle: read it first.
            let code = pcurl_message_result(message)
            guard let transfer = running.removeValue(forKey: easy), let handle = transfer.handle else { continue }
            curl_multi_remove_handle(multi, easy)
            let outcome = handle.outcome(code, of: transfer)
            recycle(handle)
            transfer.finish(outcome)
        }
    }

    private func abort(_ transfer: CurlTransfer, in multi: UnsafeMutableRawPointer) {
        if let handle = transfer.handle, running[handle.pointer] === transfer {
            running[handle.pointer] = nil
            curl_multi_remove_handle(multi, handle.pointer)  // closes its connection, mid-transfer
            recycle(handle)
            transfer.finish(.failure(.cancelled))
        } else if waiting.remove(transfer) {
            transfer.finish(.failure(.cancelled))
        }
    }

    private func recycle(_ handle: CurlHandle) {
        if idleHandles.count < limit { idleHandles.append(handle) }
    }

    /// Fails what is left, frees every handle (easy handles before the shares they used, the
    /// multi handle last) and signals ``stop()``.
    private func close(_ multi: UnsafeMutableRawPointer) {
        let late = inbox.withLockedValue { inbox in
            inbox.multi = nil  // no wake-up from here on
            defer { inbox.submitted = [] }
            return inbox.submitted
        }
        for transfer in running.values {
            if let handle = transfer.handle { curl_multi_remove_handle(multi, handle.pointer) }
            transfer.finish(.failure(.cancelled))
        }
        running = [:]
        for transfer in waiting.removeAll() + late { transfer.finish(.failure(.cancelled)) }
        idleHandles = []
        smtpCaches.closeAll()
        curl_multi_cleanup(multi)
        exited.continuation.finish()
    }
}

/// Transfers waiting for a slot, first in first out, with O(1) removal from the front.
private struct TransferLine {
    private var items: [CurlTransfer] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    mutating func append(contentsOf transfers: [CurlTransfer]) { items.append(contentsOf: transfers) }

    mutating func popFirst() -> CurlTransfer? {
        guard head < items.count else { return nil }
        defer {
            head += 1
            if head == items.count {
                (items, head) = ([], 0)
            } else if head >= 1024 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
        }
        return items[head]
    }

    /// Removes a transfer still waiting; false when it is not in line.
    mutating func remove(_ transfer: CurlTransfer) -> Bool {
        guard let index = items[head...].firstIndex(where: { $0 === transfer }) else { return false }
        items.remove(at: index)
        return true
    }

    mutating func removeAll() -> [CurlTransfer] {
        defer { (items, head) = ([], 0) }
        return Array(items[head...])
    }
}
