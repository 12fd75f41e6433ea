import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// One request the load generator sends: a POST of `body` to `path`, tagged with `key` (the
/// recipient) so its completion can be matched with what the provider stand-in saw.
struct LoadRequest: Sendable {
    var path: String
    var body: ByteBuffer
    var key: String
    var contentType = "application/json"
}

/// What one load run measured.
struct LoadResult: Sendable {
    var elapsed: Duration = .zero
    /// Latencies of the answered requests, in milliseconds.
    var latencies: [Double] = []
    var statuses: [Int: Int] = [:]
    /// Transport failures (connection refused or reset).
    var failures = 0
    /// The first non-2xx answer's status and body, to explain a failed run.
    var firstError: String?
    /// When each 2xx answer arrived, by request key (open-loop runs only).
    var answeredAt: [String: ContinuousClock.Instant] = [:]
    /// CPU microseconds per answered request, by part of the system.
    var cpuPerRequest: [String: Double] = [:]

    var answered: Int { latencies.count }
    var succeeded: Int { statuses.filter { (200..<300).contains($0.key) }.map(\.value).reduce(0, +) }
    var throughput: Double { Double(succeeded) / elapsed.seconds }

    mutating func merge(_ other: LoadResult) {
        latencies += other.latencies
        statuses.merge(other.statuses, uniquingKeysWith: +)
        failures += other.failures
        firstError = firstError ?? other.firstError
        answeredAt.merge(other.answeredAt) { a, _ in a }
    }
}

/// A small HTTP/1.1 load generator on SwiftNIO: keep-alive connections, one request in flight
/// on each, a latency per request.
///
/// Closed loop (`run(connections:duration:)`): every connection sends its next request as soon
/// as the previous one is answered, so the figure is the server's capacity. Open loop
/// (`run(rate:…)`): requests leave on a fixed schedule whatever the answers do, so latency is
/// measured at a chosen load.
final class HTTPLoad: Sendable {
    let host: String
    let port: Int
    let group: MultiThreadedEventLoopGroup
    /// The request source: index → request, `nil` when there is nothing more to send.
    let makeRequest: @Sendable (Int) -> LoadRequest?
    private let nextIndex = NIOLockedValueBox(0)

    /// How many requests the source has given so far (over every run of this load).
    var issued: Int { nextIndex.withLockedValue { $0 } }

    init(host: String = "127.0.0.1", port: Int, group: MultiThreadedEventLoopGroup, makeRequest: @escaping @Sendable (Int) -> LoadRequest?)
    {
        self.host = host
        self.port = port
        self.group = group
        self.makeRequest = makeRequest
    }

    private func next() -> LoadRequest? {
        makeRequest(
            nextIndex.withLockedValue { index in
                defer { index += 1 }
                return index
            })
    }

    /// Every connection sends back to back for `duration` (or until the source runs dry).
    func run(connections: Int, duration: Duration) async throws -> LoadResult {
        let started = ContinuousClock.now
        let deadline = started + duration
        var total = LoadResult()
        try await withThrowingTaskGroup(of: LoadResult.self) { group in
            for _ in 0..<connections {
                group.addTask { try await self.connection { ContinuousClock.now < deadline ? self.next().map { ($0, nil) } : nil } }
            }
            for try await part in group { total.merge(part) }
        }
        total.elapsed = ContinuousClock.now - started
        return total
    }

    /// Sends `rate` requests a second for `duration`, spread over `connections`; latency is
    /// counted from each request's scheduled time, so a stall is not hidden by sending late.
    func run(rate: Double, duration: Duration, connections: Int) async throws -> LoadResult {
        let started = ContinuousClock.now + .milliseconds(50)
        let count = Int(rate * duration.seconds)
        let interval = Duration.seconds(Double(connections) / rate)
        var total = LoadResult()
        try await withThrowingTaskGroup(of: LoadResult.self) { group in
            for lane in 0..<connections {
                group.addTask {
                    var sent = 0
                    let offset = Duration.seconds(Double(lane) / rate)
                    return try await self.connection {
                        let index = lane + sent * connections
                        guard index < count, let request = self.next() else { return nil }
                        let scheduled = started + offset + interval * sent
                        sent += 1
                        try? await Task.sleep(until: scheduled, clock: .continuous)
                        return (request, scheduled)
                    }
                }
            }
            for try await part in group { total.merge(part) }
        }
        total.elapsed = ContinuousClock.now - started
        return total
    }

    /// One GET, for probes (`/readyz`): the status, or nil when nothing answers.
    static func get(host: String = "127.0.0.1", port: Int, path: String, group: MultiThreadedEventLoopGroup) async -> (Int, String)? {
        do {
            let channel = try await connect(host: host, port: port, group: group)
            return try await channel.executeThenClose { inbound, outbound in
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
                head.headers = ["Host": "\(host):\(port)", "Connection": "close"]
                try await outbound.write(contentsOf: [.head(head), .end(nil)])
                var status = 0
                var body = ByteBuffer()
                for try await part in inbound {
                    switch part {
                    case .head(let head): status = Int(head.status.code)
                    case .body(var chunk): body.writeBuffer(&chunk)
                    case .end: return (status, String(buffer: body))
                    }
                }
                return nil
            }
        } catch {
            return nil
        }
    }

    private static func connect(
        host: String, port: Int, group: MultiThreadedEventLoopGroup
    ) async throws
        -> NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    {
        try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// One keep-alive connection sending what `source` gives, one request at a time. A request
    /// with a scheduled time has its latency counted from then, and its answer time recorded.
    ///
    /// A server that answers `Connection: close` (gunicorn's sync workers do, after every
    /// request) gets a new connection for the next request, and that request's latency counts
    /// from the moment the new connection was asked for.
    private func connection(_ source: () async -> (LoadRequest, ContinuousClock.Instant?)?) async throws -> LoadResult {
        var result = LoadResult()
        var pending: (LoadRequest, ContinuousClock.Instant?)?
        while true {
            let connecting = ContinuousClock.now
            let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
            do {
                channel = try await Self.connect(host: host, port: port, group: group)
            } catch {
                result.failures += 1
                result.firstError = result.firstError ?? "cannot connect to \(host):\(port): \(error)"
                return result
            }
            let authority = "\(host):\(port)"
            let reconnect = try await channel.executeThenClose { (inbound, outbound) -> Bool in
                var answers = inbound.makeAsyncIterator()
                var fresh = true
                while true {
                    let next: (LoadRequest, ContinuousClock.Instant?)?
                    if let waiting = pending {
                        next = waiting
                        pending = nil
                    } else {
                        next = await source()
                    }
                    guard let (request, scheduled) = next else { return false }
                    var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: request.path)
                    head.headers = [
                        "Host": authority, "Content-Type": request.contentType, "Content-Length": "\(request.body.readableBytes)",
                    ]
                    let sent = fresh ? connecting : ContinuousClock.now
                    fresh = false
                    do {
                        try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(request.body)), .end(nil)])
                    } catch {
                        result.failures += 1
                        result.firstError = result.firstError ?? "send failed: \(error)"
                        return false
                    }
                    var status = 0
                    var closes = false
                    var body = ByteBuffer()
                    reading: while true {
                        guard let part = try await answers.next() else {
                            result.failures += 1
                            result.firstError = result.firstError ?? "the server closed the connection"
                            return false
                        }
                        switch part {
                        case .head(let head):
                            status = Int(head.status.code)
                            closes = !head.isKeepAlive
                        case .body(var chunk): if status >= 300, result.firstError == nil { body.writeBuffer(&chunk) }
                        case .end: break reading
                        }
                    }
                    let answered = ContinuousClock.now
                    result.latencies.append((answered - (scheduled ?? sent)).milliseconds)
                    result.statuses[status, default: 0] += 1
                    if status >= 300, result.firstError == nil { result.firstError = "HTTP \(status): \(String(buffer: body))" }
                    if scheduled != nil, (200..<300).contains(status) { result.answeredAt[request.key] = answered }
                    if closes {
                        // The next request, if any, goes on a new connection.
                        guard let following = await source() else { return false }
                        pending = following
                        return true
                    }
                }
            }
            guard reconnect else { return result }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

/// The p-th percentile (0…100) of `values`, nearest rank.
func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}
