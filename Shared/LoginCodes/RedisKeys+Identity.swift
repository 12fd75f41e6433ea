import Foundation
import RedisClient

/// The key of the identity cache.
extension RedisKeys {
    /// The cached identity of one recipient on one connection (``IdentityCache``). `tag` is the
    /// recipient's ``RecipientTagger`` tag, and the hash tag is the one of the recipient's code
    /// and lockout keys, so the start's first pipeline reads it from the node it already asks.
    public static func identity(connection: UUID, tag: String) -> String {
        "pl:user:{\(connection.uuidString.lowercased()):\(tag)}"
    }
}
