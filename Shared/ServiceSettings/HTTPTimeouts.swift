/// How long a client may take over its side of an HTTP/1.1 connection, so that slow or silent
/// clients (slowloris) cannot hold connections open.
///
/// A request's head must arrive within ``head`` of the connection opening or of the next
/// request's first byte, its body within ``body`` of the head; a keep-alive connection that
/// sits idle between requests for ``idle`` is closed. On any of these the connection is closed
/// without an answer. The server's own time (a handler waiting for PostgreSQL) never counts.
public struct HTTPTimeouts: Sendable, Equatable {
    public var head: Duration
    public var body: Duration
    public var idle: Duration

    public init(head: Duration = .seconds(10), body: Duration = .seconds(30), idle: Duration = .seconds(60)) {
        self.head = head
        self.body = body
        self.idle = idle
    }
}
