import NIOCore

/// The first handler of an HTTP connection: it sees the raw bytes, so it can tell when the
/// next request begins (its first byte starts the head deadline) and drop input once the
/// connection was refused. It also starts and stops the connection's clock.
final class RawInputWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let connection: HTTPConnectionGuard

    init(connection: HTTPConnectionGuard) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { connection.opened(context.channel) }
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.opened(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.closed()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard connection.phase != .rejected else { return }
        connection.bytesArrived()
        context.fireChannelRead(data)
    }
}
