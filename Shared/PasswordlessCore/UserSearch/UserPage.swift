/// Which slice of a user search to answer: Auth0's `page` (0-based) and `per_page` (default 50,
/// at most 100), within Auth0's window of the first 1,000 results.
///
/// The window bounds the database's work (an `OFFSET` never skips more than 1,000 rows) as it
/// bounds Auth0's; a caller that needs more narrows the search with `q`.
public struct UserPage: Sendable, Equatable {
    public static let defaultSize = 50
    public static let maximumSize = 100
    /// How many results of one search can be paged through.
    public static let window = 1000

    public let page: Int
    public let perPage: Int

    /// The page `page` and `perPage` (the query's text, nil when absent) name.
    public init(page: String?, perPage: String?) throws(UserSearchError) {
        try self.init(page: Self.number(page, .page) ?? 0, perPage: Self.number(perPage, .perPage) ?? Self.defaultSize)
    }

    public init(page: Int = 0, perPage: Int = defaultSize) throws(UserSearchError) {
        guard page >= 0 else { throw UserSearchError(.page, "must be 0 or more (pages count from 0)") }
        guard (1...Self.maximumSize).contains(perPage) else {
            throw UserSearchError(.perPage, "must be between 1 and \(Self.maximumSize)")
        }
        let (first, overflow) = page.multipliedReportingOverflow(by: perPage)
        guard !overflow, first < Self.window else {
            throw UserSearchError(
                .page, "goes past the first \(Self.window) results, which is as far as a search pages; narrow the search instead")
        }
        self.page = page
        self.perPage = perPage
    }

    /// How many results come before this page.
    public var offset: Int { page * perPage }
    /// How many results this page holds at most (the last page of the window may be shorter).
    public var limit: Int { min(perPage, Self.window - offset) }

    private static func number(_ text: String?, _ parameter: UserSearchError.Parameter) throws(UserSearchError) -> Int? {
        guard let text else { return nil }
        guard text.count <= 9, let value = Int(text) else { throw UserSearchError(parameter, "must be a whole number") }
        return value
    }
}
