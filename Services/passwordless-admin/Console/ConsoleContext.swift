import Hummingbird
import NIOCore

/// A console request's context: the signed-in operator (set by ``ConsoleGuard``), the posted
/// form (read and CSRF-checked there) and the nonce of the page's inline script.
struct ConsoleContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var session: OperatorSessions.Session?
    var form = FormBody()
    let nonce = OperatorSessions.newToken()
    /// The peer's address: per-IP limits apply to operators' codes as to any start.
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The signed-in operator's address (the guard lets no other request through).
    var operatorEmail: String { session?.email ?? "" }
}
