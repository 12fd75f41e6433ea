import Foundation
import PasswordlessCore
import PostgresNIO

/// The management API's user search (`GET /api/v2/users`, `passwordless-admin user list`): a
/// tenant's users matching a ``UserQuery``, newest first (`created_at DESC, id`: a stable order,
/// so consecutive pages neither repeat nor skip a user that was there all along).
///
/// Every query is one shape: `identifier LIKE p1 OR identifier LIKE p2` (an exact term is a
/// pattern without wildcards, no query is `%`) and a filter on the kind of user. postgres-nio
/// plans each query with its values, so the patterns' prefixes become ranges of
/// `users_tenant_identifier` and the kind filter folds away (migration 10).
extension UserRepository {
    /// One page of the users `query` matches (every user when nil).
    public func search(tenantID: UUID, query: UserQuery?, page: UserPage) async throws -> [User] {
        let filter = SearchFilter(query)
        return try await rows(
            client.query(
                """
                \(unescaped: Self.columns)
                WHERE tenant_id = \(tenantID) AND (identifier LIKE \(filter.first) OR identifier LIKE \(filter.second))
                    AND ((email IS NOT NULL AND \(filter.emails)) OR (phone_number IS NOT NULL AND \(filter.phoneNumbers)))
                ORDER BY created_at DESC, id
                LIMIT \(page.limit) OFFSET \(page.offset)
                """, logger: logger))
    }

    /// How many users `query` matches in all (every user of the tenant when nil).
    public func count(tenantID: UUID, query: UserQuery?) async throws -> Int {
        let filter = SearchFilter(query)
        let rows = try await client.query(
            """
            SELECT count(*) FROM users
            WHERE tenant_id = \(tenantID) AND (identifier LIKE \(filter.first) OR identifier LIKE \(filter.second))
                AND ((email IS NOT NULL AND \(filter.emails)) OR (phone_number IS NOT NULL AND \(filter.phoneNumbers)))
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}

/// A ``UserQuery`` as the search's parameters: two `LIKE` patterns (the same one twice when the
/// query has one term) and which kinds of user it may return.
struct SearchFilter {
    var first: String
    var second: String
    var emails: Bool
    var phoneNumbers: Bool

    init(_ query: UserQuery?) {
        let patterns = query?.terms.map(Self.pattern) ?? []
        first = patterns.first ?? "%"
        second = patterns.last ?? first
        emails = query?.fields.contains(.email) ?? true
        phoneNumbers = query?.fields.contains(.phoneNumber) ?? true
    }

    /// The term as a `LIKE` pattern: its `\`, `%` and `_` escaped (backslash is `LIKE`'s default
    /// escape), then `%` for a prefix.
    static func pattern(_ term: UserQuery.Term) -> String {
        var escaped = ""
        for character in term.value {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return term.isPrefix ? escaped + "%" : escaped
    }
}
