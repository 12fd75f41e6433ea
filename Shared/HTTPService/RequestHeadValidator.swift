import Foundation
import NIOCore
import NIOHTTP1
import PasswordlessCore

/// Sits right after NIO's HTTP/1 decoder and refuses what must not reach a handler, with
/// Auth0's JSON error body instead of Hummingbird's bare 400:
///
/// - a request line or header that does not parse (a lowercase method, a bad token): 400;
/// - headers over the decoder's limits (16 KiB, 1,000 fields): 431;
/// - no `Host` on HTTP/1.1, or more than one (RFC 9112 §3.2): 400;
/// - `Transfer-Encoding` whose last coding is not `chunked` (RFC 9112 §6.3): 400; otherwise a
///   coding besides `chunked` (we decode no other): 501.
///
/// A refused request is answered with `Connection: close` and the connection is closed. It
/// also moves the connection's clock (``HTTPConnectionGuard``) as heads, bodies and answers pass.
final class RequestHeadValidator: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let connection: HTTPConnectionGuard

    init(connection: HTTPConnectionGuard) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard connection.phase != .rejected else { return }
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if let refusal = Self.refusal(for: head) {
                refuse(context: context, refusal)
                return
            }
            connection.headReceived()
        case .body:
            break
        case .end:
            connection.requestComplete()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            let connection = self.connection
            let written = promise ?? context.eventLoop.makePromise()
            written.futureResult.whenSuccess { connection.responseComplete() }
            context.write(data, promise: written)
        } else {
            context.write(data, promise: promise)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard connection.phase == .awaitingHead || connection.phase == .idle else {
            // A request is being handled: an answer of ours would interleave with its answer.
            connection.rejected()
            context.close(promise: nil)
            return
        }
        switch parserError {
        case .headerOverflow:
            refuse(
                context: context,
                APIError(status: 431, error: "request_header_fields_too_large", description: "The request's headers exceed 16 KiB."))
        default:
            refuse(context: context, .badRequest("The request line or a header could not be parsed."))
        }
    }

    /// Why this head must not be served, or nil.
    static func refusal(for head: HTTPRequestHead) -> APIError? {
        let hosts = head.headers["host"].count
        if hosts > 1 || (hosts == 0 && (head.version.major, head.version.minor) >= (1, 1)) {
            return .badRequest("The request must have exactly one Host header.")
        }
        let codings = head.headers["transfer-encoding"]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if let last = codings.last {
            guard last == "chunked" else {
                return .badRequest("The last Transfer-Encoding must be chunked.")
            }
            if codings.contains(where: { $0 != "chunked" }) {
                return APIError(status: 501, error: "not_implemented", description: "Only the chunked transfer coding is supported.")
            }
        }
        return nil
    }

    /// Answers with the error, closes the connection, and drops whatever else arrives.
    private func refuse(context: ChannelHandlerContext, _ error: APIError) {
        connection.rejected()
        let body = error.jsonBody
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: error.statusCode), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
