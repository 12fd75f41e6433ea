import Foundation
import Logging
import PasswordlessCore
import PostgresNIO

/// Users in PostgreSQL: one row per tenant, connection and identifier.
public struct UserRepository: PostgresRepository {
    public let store: PostgresStore

    public init(store: PostgresStore) { self.store = store }

    /// The user with this identifier, created if absent, in one statement (no read-then-write
    /// race between two gateways). `created` says whether this call made it.
    ///
    /// This is on every `/passwordless/start`, so it is a prepared statement: each pooled
    /// connection parses and plans it once.
    ///
    /// `verified` marks a user this call creates as having proven its email or number (the
    /// management API's `email_verified`/`phone_verified`); an existing user is left as it is.
    ///
    /// When two callers create the same user at once, the loser's insert waits for the winner's
    /// row and then does nothing, but its lookup runs on the statement's snapshot, taken before
    /// that row was committed, so the statement returns no row. Running it again (a new
    /// snapshot) finds the committed row; the fast path stays one statement.
    public func findOrCreate(
        tenantID: UUID, connection: Connection, identifier: String, verified: Bool = false
    ) async throws
        -> (user: User, created: Bool)
    {
        let email = connection.strategy == .email ? identifier : nil
        let phone = connection.strategy == .sms ? identifier : nil
        let statement = FindOrCreateUser(
            id: User.generateID(), tenantID: tenantID, connectionID: connection.id, identifier: identifier, email: email,
            phoneNumber: phone,
            emailVerified: verified && email != nil, phoneVerified: verified && phone != nil)
        for _ in 0..<3 {
            for try await (id, emailVerified, phoneVerified, blocked, created) in try await client.execute(statement, logger: logger) {
                let user = User(
                    id: id, tenantID: tenantID, connectionID: connection.id, email: email, phoneNumber: phone, emailVerified: emailVerified,
                    phoneVerified: phoneVerified, blocked: blocked)
                return (user, created)
            }
        }
        throw StorageError.unexpected("the user upsert returned no row")
    }

    public func find(tenantID: UUID, connectionID: UUID, identifier: String) async throws -> User? {
        try await rows(
            client.query(
                "\(unescaped: Self.columns) WHERE tenant_id = \(tenantID) AND connection_id = \(connectionID) AND identifier = \(identifier)",
                logger: logger)
        ).first
    }

    /// A tenant's users with this email address (one per email connection), through the
    /// `(tenant_id, identifier)` index.
    public func find(tenantID: UUID, email: String) async throws -> [User] {
        try await rows(
            client.query(
                "\(unescaped: Self.columns) WHERE tenant_id = \(tenantID) AND identifier = \(email) AND email IS NOT NULL ORDER BY created_at",
                logger: logger))
    }

    public func find(id: String) async throws -> User? {
        try await rows(client.query("\(unescaped: Self.columns) WHERE id = \(id)", logger: logger)).first
    }

    /// Blocks or unblocks a user; returns the user as it is now, or nil when there is none.
    ///
    /// Callers go through `UserDirectory`, which also drops the user's cached identity.
    public func setBlocked(id: String, blocked: Bool) async throws -> User? {
        try await rows(
            client.query(
                "UPDATE users SET blocked = \(blocked), updated_at = now() WHERE id = \(id) RETURNING \(unescaped: Self.fields)",
                logger: logger)
        ).first
    }

    /// Deletes a user; returns the row it deleted, or nil when there was none.
    ///
    /// Callers go through `UserDirectory`, which also drops the user's cached identity.
    public func delete(id: String) async throws -> User? {
        try await rows(client.query("DELETE FROM users WHERE id = \(id) RETURNING \(unescaped: Self.fields)", logger: logger)).first
    }

    /// What ``update(id:_:)`` changes; nil fields stay as they are.
    public struct Changes: Sendable {
        /// A new email address or phone number (already normalised), for the user's own channel:
        /// an email user's email, an SMS user's number.
        public var identifier: String?
        /// Whether that channel is verified.
        public var verified: Bool?
        /// Whether the user is blocked.
        public var blocked: Bool?

        public init(identifier: String? = nil, verified: Bool? = nil, blocked: Bool? = nil) {
            self.identifier = identifier
            self.verified = verified
            self.blocked = blocked
        }
    }

    /// The new identifier of an ``update(id:_:)`` belongs to another user of the connection.
    public struct IdentifierTaken: Error, CustomStringConvertible {
        public var description: String { "another user of the connection already has this email address or phone number" }
    }

    /// Changes a user's identifier, verified flag or blocked flag in one statement; returns the
    /// user before and after, or nil when there is none. A new identifier another user of the
    /// connection already has throws ``IdentifierTaken`` (and changes nothing).
    ///
    /// Callers go through `UserDirectory`, which drops the cached identities of both identifiers.
    public func update(id: String, _ changes: Changes) async throws -> (before: User, after: User)? {
        do {
            return try await updateRow(id: id, changes)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw IdentifierTaken()
        }
    }

    private func updateRow(id: String, _ changes: Changes) async throws -> (before: User, after: User)? {
        let sequence = try await client.query(
            """
            UPDATE users AS u SET
                identifier = COALESCE(\(changes.identifier), u.identifier),
                email = CASE WHEN u.email IS NOT NULL THEN COALESCE(\(changes.identifier), u.email) END,
                phone_number = CASE WHEN u.phone_number IS NOT NULL THEN COALESCE(\(changes.identifier), u.phone_number) END,
                email_verified = CASE WHEN u.email IS NOT NULL THEN COALESCE(\(changes.verified), u.email_verified) ELSE u.email_verified END,
                phone_verified = CASE WHEN u.phone_number IS NOT NULL THEN COALESCE(\(changes.verified), u.phone_verified)
                    ELSE u.phone_verified END,
                blocked = COALESCE(\(changes.blocked), u.blocked),
                updated_at = now()
            FROM (SELECT id, email, phone_number, email_verified, phone_verified FROM users WHERE id = \(id) FOR UPDATE) AS old
            WHERE u.id = old.id
            RETURNING old.email, old.phone_number, old.email_verified, old.phone_verified,
                u.id, u.tenant_id, u.connection_id, u.email, u.phone_number, u.email_verified, u.phone_verified, u.blocked, u.created_at
            """, logger: logger)
        for try await (
            oldEmail, oldPhone, oldEmailVerified, oldPhoneVerified, id, tenant, connection, email, phone, emailVerified, phoneVerified,
            blocked, createdAt
        )
            in sequence.decode((String?, String?, Bool, Bool, String, UUID, UUID, String?, String?, Bool, Bool, Bool, Date).self)
        {
            let after = User(
                id: id, tenantID: tenant, connectionID: connection, email: email, phoneNumber: phone, emailVerified: emailVerified,
                phoneVerified: phoneVerified, blocked: blocked, createdAt: createdAt)
            var before = after
            (before.email, before.phoneNumber, before.emailVerified, before.phoneVerified) = (
                oldEmail, oldPhone, oldEmailVerified, oldPhoneVerified
            )
            return (before, after)
        }
        return nil
    }

    /// Records successful logins: the channel is verified, `last_login` and `logins_count` move.
    /// (None of this is in the cached identity, which holds only the id and the blocked flag, so
    /// nothing is invalidated.)
    public func recordLogins(_ logins: [(userID: String, at: Date)]) async throws {
        guard !logins.isEmpty else { return }
        let ids = logins.map(\.userID)
        let times = logins.map(\.at)
        try await client.query(
            """
            UPDATE users AS u SET
                logins_count = u.logins_count + l.n,
                last_login = GREATEST(u.last_login, l.at),
                email_verified = u.email_verified OR u.email IS NOT NULL,
                phone_verified = u.phone_verified OR u.phone_number IS NOT NULL,
                updated_at = now()
            FROM (SELECT id, count(*) AS n, max(at) AS at FROM unnest(\(ids)::text[], \(times)::timestamptz[]) AS x(id, at) GROUP BY id) AS l
            WHERE u.id = l.id
            """, logger: logger)
    }

    static let fields = "id, tenant_id, connection_id, email, phone_number, email_verified, phone_verified, blocked, created_at"
    static let columns = "SELECT \(fields) FROM users"

    /// The users of rows that hold ``fields``.
    func rows(_ sequence: PostgresRowSequence) async throws -> [User] {
        var users: [User] = []
        for try await (id, tenant, connection, email, phone, emailVerified, phoneVerified, blocked, createdAt) in sequence.decode(
            (String, UUID, UUID, String?, String?, Bool, Bool, Bool, Date).self)
        {
            users.append(
                User(
                    id: id, tenantID: tenant, connectionID: connection, email: email, phoneNumber: phone, emailVerified: emailVerified,
                    phoneVerified: phoneVerified, blocked: blocked, createdAt: createdAt))
        }
        return users
    }
}

/// `INSERT … ON CONFLICT DO NOTHING` and, when the row was already there, the existing row.
/// (`LIMIT 1` stops after the insert's row, so the lookup runs only on a conflict.)
struct FindOrCreateUser: PostgresPreparedStatement {
    typealias Row = (String, Bool, Bool, Bool, Bool)

    static let sql = """
        WITH inserted AS (
            INSERT INTO users (id, tenant_id, connection_id, identifier, email, phone_number, email_verified, phone_verified)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (tenant_id, connection_id, identifier) DO NOTHING
            RETURNING id, email_verified, phone_verified, blocked, true AS created
        )
        SELECT id, email_verified, phone_verified, blocked, created FROM inserted
        UNION ALL
        SELECT id, email_verified, phone_verified, blocked, false FROM users
        WHERE tenant_id = $2 AND connection_id = $3 AND identifier = $4
        LIMIT 1
        """
    static let bindingDataTypes: [PostgresDataType] = [.text, .uuid, .uuid, .text, .text, .text, .bool, .bool]

    var id: String
    var tenantID: UUID
    var connectionID: UUID
    var identifier: String
    var email: String?
    var phoneNumber: String?
    var emailVerified: Bool
    var phoneVerified: Bool

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 8)
        bindings.append(id)
        bindings.append(tenantID)
        bindings.append(connectionID)
        bindings.append(identifier)
        bindings.append(email)
        bindings.append(phoneNumber)
        bindings.append(emailVerified)
        bindings.append(phoneVerified)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// A storage invariant that did not hold.
public enum StorageError: Error, CustomStringConvertible {
    case unexpected(String)

    public var description: String {
        switch self {
        case .unexpected(let message): "storage: \(message)"
        }
    }
}
