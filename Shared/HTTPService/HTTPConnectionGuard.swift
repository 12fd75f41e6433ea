import NIOCore
import ServiceSettings

/// One connection's clock against slow clients (``HTTPTimeouts``), shared by the handlers that
/// see its raw bytes (``RawInputWatcher``) and its parsed requests (``RequestHeadValidator``).
///
/// Confined to the channel's event loop, like the handlers that own it (hence `@unchecked
/// Sendable`: only its timer closure crosses, and that runs on the same loop).
final class HTTPConnectionGuard: @unchecked Sendable {
    /// Where the connection is between requests, and which deadline applies.
    enum Phase {
        /// Waiting for a request's head (since the connection opened or its first byte came).
        case awaitingHead
        /// Head received; waiting for the rest of the body.
        case readingBody
        /// The request is complete; the server is working on the answer (no client deadline).
        case responding
        /// Between requests on a keep-alive connection.
        case idle
        /// Answered with an error and closing: further input is read and dropped.
        case rejected
    }

    let timeouts: HTTPTimeouts
    private(set) var phase = Phase.awaitingHead
    private var timer: Scheduled<Void>?
    private var channel: (any Channel)?

    init(timeouts: HTTPTimeouts) {
        self.timeouts = timeouts
    }

    /// The connection is open: its first head is due.
    func opened(_ channel: any Channel) {
        self.channel = channel
        enter(.awaitingHead, deadline: timeouts.head)
    }

    /// Bytes arrived: on an idle connection, a new request has begun and its head is due.
    func bytesArrived() {
        if phase == .idle { enter(.awaitingHead, deadline: timeouts.head) }
    }

    func headReceived() { enter(.readingBody, deadline: timeouts.body) }

    func requestComplete() { enter(.responding, deadline: nil) }

    /// An answer was written in full: the connection idles until the next request's first byte.
    func responseComplete() {
        if phase == .responding { enter(.idle, deadline: timeouts.idle) }
    }

    /// The connection was answered with an error: drop what else comes, close soon. The short
    /// linger lets a client that is still sending (a huge header) finish and read the answer
    /// instead of having it destroyed by a reset.
    func rejected() {
        enter(.rejected, deadline: .milliseconds(1500))
    }

    func closed() {
        timer?.cancel()
        timer = nil
        channel = nil
    }

    private func enter(_ next: Phase, deadline: Duration?) {
        phase = next
        timer?.cancel()
        timer = nil
        guard let deadline, let channel else { return }
        timer = channel.eventLoop.scheduleTask(
            in: .nanoseconds(Int64(deadline.components.seconds) * 1_000_000_000 + deadline.components.attoseconds / 1_000_000_000)
        ) {
            [weak self] in
            // Closed without an answer: a slow client gets nothing to wait for.
            self?.channel?.close(promise: nil)
        }
    }
}
