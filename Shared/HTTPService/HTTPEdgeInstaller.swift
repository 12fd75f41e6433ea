import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTP1
import ServiceSettings

/// Puts ``RawInputWatcher`` and ``RequestHeadValidator`` into an HTTP/1 connection's pipeline.
///
/// Hummingbird's `additionalChannelHandlers` land after its conversion to `HTTPTypes`, too late
/// to see raw bytes or NIO's parse errors (which Hummingbird answers with a bare 400). So this
/// handler, added there, places the two where they belong when it is added: the watcher
/// first, the validator right after NIO's request decoder. It passes every event on unread
/// (NIO wants a handler to be inbound or outbound, hence the untyped `InboundIn`).
final class HTTPEdgeInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Any
    private let timeouts: HTTPTimeouts

    init(timeouts: HTTPTimeouts) {
        self.timeouts = timeouts
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let connection = HTTPConnectionGuard(timeouts: timeouts)
        let pipeline = context.pipeline.syncOperations
        do {
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RequestHeadValidator(connection: connection), position: .after(decoder))
            try pipeline.addHandler(RawInputWatcher(connection: connection), position: .first)
        } catch {
            context.fireErrorCaught(error)
        }
    }
}

extension HTTPServerBuilder {
    /// Hummingbird's HTTP/1 server with the limits and refusals every service keeps: headers
    /// over 16 KiB (or 1,000 fields) are 431, unparsable requests 400 with a JSON body, and
    /// slow clients are cut off after ``HTTPTimeouts``.
    public static func guardedHTTP1(timeouts: HTTPTimeouts) -> HTTPServerBuilder {
        .http1(
            configuration: .init(
                additionalChannelHandlers: [HTTPEdgeInstaller(timeouts: timeouts)],
                httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 1000)))
    }
}
