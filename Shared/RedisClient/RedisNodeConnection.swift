import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// What every connection to a node needs: the configuration, the TLS context (for
/// `rediss://`) and where to log.
struct RedisConnectionSettings: Sendable {
    var configuration: RedisConfiguration
    /// Nil for plain TCP; a failure when the TLS files could not be loaded.
    var tls: Result<NIOSSLContext, RedisError>?
    var logger: Logger
    /// The last connection failure logged for each node, so a node that stays unreachable (or
    /// whose certificate does not verify) is logged once, not once per connection and retry.
    let loggedFailures = NIOLockedValueBox<[RedisEndpoint: String]>([:])

    /// Logs `error` unless it is what was last logged for `endpoint`.
    func logFailure(_ error: RedisError, endpoint: RedisEndpoint) {
        let new = loggedFailures.withLockedValue { $0.updateValue(error.description, forKey: endpoint) != error.description }
        if new { logger.warning("redis connection failed", metadata: ["node": "\(endpoint)", "error": "\(error)"]) }
    }

    /// `endpoint` answered: its next failure is news again.
    func connected(_ endpoint: RedisEndpoint) {
        _ = loggedFailures.withLockedValue { $0.removeValue(forKey: endpoint) }
    }
}

/// One connection to one Redis node, a NIO channel on an event loop: no thread of its own,
/// no blocking call.
///
/// Callers on any thread ``submit(_:)`` requests. The first submits to an idle connection
/// schedules one flush on the event loop; everything submitted until it runs goes out with it,
/// in one write (so requests from many callers share a round trip under load, and an idle
/// connection still sends at once). The connection opens on first use (TCP, TLS, `AUTH`,
/// `SELECT`) and again after it broke or the server went away, so it recovers by itself once
/// the server is back; requests waiting while it cannot connect fail with
/// ``RedisError/connectionFailed(_:)``: nothing was sent, so they are safe to retry.
final class RedisNodeConnection: RedisRequestSink, Sendable {
    let endpoint: RedisEndpoint
    private let eventLoop: any EventLoop
    private let settings: RedisConnectionSettings
    private let state = NIOLockedValueBox(State())

    private struct State {
        var phase = Phase.idle
        var waiting: [RedisRequest] = []
        var flushScheduled = false
        var closed = false
    }

    private enum Phase {
        case idle
        case connecting
        case ready(any Channel, NIOLoopBound<RedisConnectionHandler>)
    }

    init(endpoint: RedisEndpoint, eventLoop: any EventLoop, settings: RedisConnectionSettings) {
        self.endpoint = endpoint
        self.eventLoop = eventLoop
        self.settings = settings
    }

    func submit(_ request: RedisRequest) {
        enum Next { case nothing, connect, flush, refuse }
        let next = state.withLockedValue { state -> Next in
            guard !state.closed else { return .refuse }
            state.waiting.append(request)
            switch state.phase {
            case .idle:
                state.phase = .connecting
                return .connect
            case .connecting:
                return .nothing
            case .ready:
                if state.flushScheduled { return .nothing }
                state.flushScheduled = true
                return .flush
            }
        }
        switch next {
        case .nothing: break
        case .refuse: request.completion(.failure(.clientClosed))
        case .connect: connect()
        case .flush: eventLoop.execute { self.flush() }
        }
    }

    /// Whether a flush is scheduled: a request submitted now goes out in it.
    var isGathering: Bool { state.withLockedValue { $0.flushScheduled } }

    /// Fails what is waiting with ``RedisError/clientClosed`` and closes the channel.
    func close() async {
        let (waiting, channel) = state.withLockedValue { state -> ([RedisRequest], (any Channel)?) in
            state.closed = true
            defer { state.waiting = [] }
            if case .ready(let channel, _) = state.phase { return (state.waiting, channel) }
            return (state.waiting, nil)
        }
        for request in waiting { request.completion(.failure(.clientClosed)) }
        try? await channel?.close()
    }

    /// Writes everything waiting (on the event loop).
    private func flush() {
        let (requests, handler) = state.withLockedValue { state -> ([RedisRequest], NIOLoopBound<RedisConnectionHandler>?) in
            state.flushScheduled = false
            guard case .ready(_, let handler) = state.phase else { return ([], nil) }
            defer { state.waiting = [] }
            return (state.waiting, handler)
        }
        handler?.value.send(requests)
    }

    private func connect() {
        let configuration = settings.configuration
        let tls: NIOSSLContext?
        switch settings.tls {
        case .none: tls = nil
        case .success(let context): tls = context
        case .failure(let error):
            connectFailed(error)
            return
        }
        let host = endpoint.host
        let replicas = configuration.minimumReplicas
        let waitTimeout = configuration.waitTimeout
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        let name = host.isIPAddress ? nil : host
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: name))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        RedisConnectionHandler(minimumReplicas: replicas, waitTimeout: waitTimeout))
                }
            }
        bootstrap.connect(host: endpoint.host, port: endpoint.port).whenComplete { result in
            switch result {
            case .failure(let error):
                self.connectFailed(.connectionFailed("\(self.endpoint): \(error)"))
            case .success(let channel):
                self.opened(channel)
            }
        }
    }

    /// Runs the connection's setup (`AUTH`, `SELECT`; a `PING` over TLS, so that a certificate
    /// that does not verify fails here), then sends what waited (on the event loop).
    private func opened(_ channel: any Channel) {
        let handler: RedisConnectionHandler
        do {
            handler = try channel.pipeline.syncOperations.handler(type: RedisConnectionHandler.self)
        } catch {
            connectFailed(.connectionFailed("\(endpoint): \(error)"))
            channel.close(promise: nil)
            return
        }
        let configuration = settings.configuration
        var setup: [RedisCommand] = []
        if let password = configuration.password {
            setup.append(configuration.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password))
        }
        if configuration.database != 0 { setup.append(RedisCommand("SELECT", configuration.database)) }
        if setup.isEmpty && settings.tls != nil { setup.append(RedisCommand("PING")) }
        let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        guard !setup.isEmpty else { return ready(channel, bound) }
        let deadline = NIODeadline.now() + TimeAmount(configuration.connectTimeout)
        handler.send([
            RedisRequest(commands: setup, deadline: deadline, durable: false) { result in
                switch result {
                case .success(let replies):
                    if let message = replies.lazy.compactMap(\.errorMessage).first {
                        self.connectFailed(.connectionFailed("\(self.endpoint): \(message)"))
                        channel.close(promise: nil)
                    } else {
                        self.ready(channel, bound)
                    }
                case .failure(let error):
                    self.connectFailed(.connectionFailed("\(self.endpoint): \(Self.reason(error))"))
                    channel.close(promise: nil)
                }
            }
        ])
    }

    private func ready(_ channel: any Channel, _ handler: NIOLoopBound<RedisConnectionHandler>) {
        let (waiting, closed) = state.withLockedValue { state -> ([RedisRequest], Bool) in
            guard !state.closed else { return ([], true) }
            state.phase = .ready(channel, handler)
            state.flushScheduled = false
            defer { state.waiting = [] }
            return (state.waiting, false)
        }
        if closed {
            channel.close(promise: nil)
            return
        }
        settings.connected(endpoint)
        channel.closeFuture.whenComplete { _ in self.channelClosed(channel) }
        handler.value.send(waiting)
    }

    /// The channel went away: the next request opens a new one (at once, if some are waiting).
    private func channelClosed(_ channel: any Channel) {
        let reconnect = state.withLockedValue { state -> Bool in
            guard case .ready(let current, _) = state.phase, current === channel else { return false }
            state.phase = .idle
            guard !state.waiting.isEmpty, !state.closed else { return false }
            state.phase = .connecting
            return true
        }
        if reconnect { connect() }
    }

    private func connectFailed(_ error: RedisError) {
        let waiting = state.withLockedValue { state -> [RedisRequest] in
            state.phase = .idle
            defer { state.waiting = [] }
            return state.waiting
        }
        settings.logFailure(error, endpoint: endpoint)
        for request in waiting { request.completion(.failure(error)) }
    }

    /// The failure's own words: a TLS handshake's reason rather than "connection lost".
    private static func reason(_ error: RedisError) -> String {
        switch error {
        case .connectionLost(let message), .connectionFailed(let message), .protocolError(let message): message
        default: error.description
        }
    }
}

extension String {
    /// Whether the text is an IPv4 or IPv6 literal (TLS then checks the certificate's IP
    /// addresses, and sends no server name).
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
