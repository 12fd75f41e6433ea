import Foundation
import Hummingbird
import NIOCore

/// The request context of every service: Hummingbird's basics plus the peer's address, which
/// the client-IP rules need, and the body coding every route shares: ``BodyDecoder`` for request
/// bodies, and JSON answers with sorted keys and unescaped slashes.
public struct PasswordlessRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer: the client, or the proxy in front of it.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// `request.decode(as:context:)` reads JSON and form bodies with Auth0's errors.
    public var requestDecoder: BodyDecoder { BodyDecoder() }

    /// `ResponseEncodable` answers: `application/json; charset=utf-8`, keys sorted, `/` unescaped.
    public var responseEncoder: JSONEncoder { JSONEncoder.sorted }
}
