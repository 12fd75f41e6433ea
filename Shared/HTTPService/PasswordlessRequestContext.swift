import Hummingbird
import NIOCore

/// The request context of every service: Hummingbird's basics plus the peer's address, which
/// the client-IP rules need.
public struct PasswordlessRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer: the client, or the proxy in front of it.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
