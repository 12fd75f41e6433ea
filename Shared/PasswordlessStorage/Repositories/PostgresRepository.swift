import Logging
import PostgresNIO

/// The PostgreSQL client and logger a repository queries with.
public struct PostgresStore: Sendable {
    public let client: PostgresClient
    public let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }
}

/// A repository: the SQL of one aggregate, over a ``PostgresStore``.
///
/// Conforming types hold only their store; `client` and `logger` read through it, and every
/// repository is made the same way, `XRepository(client:logger:)`.
public protocol PostgresRepository: Sendable {
    var store: PostgresStore { get }
    init(store: PostgresStore)
}

extension PostgresRepository {
    public init(client: PostgresClient, logger: Logger) {
        self.init(store: PostgresStore(client: client, logger: logger))
    }

    var client: PostgresClient { store.client }
    var logger: Logger { store.logger }
}
