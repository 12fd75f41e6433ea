/// A user search the caller wrote wrongly: which parameter and what is wrong with it, spelled
/// for each caller by ``Parameter`` (`q` on the management API, `--query` on the CLI).
public struct UserSearchError: Error, Sendable, Equatable {
    /// The parameter at fault.
    public enum Parameter: Sendable, Equatable {
        case query, page, perPage

        /// Its name on `GET /api/v2/users`.
        public var queryName: String {
            switch self {
            case .query: "q"
            case .page: "page"
            case .perPage: "per_page"
            }
        }

        /// Its flag on `passwordless-admin user list`.
        public var flag: String {
            switch self {
            case .query: "--query"
            case .page: "--page"
            case .perPage: "--per-page"
            }
        }
    }

    public var parameter: Parameter
    /// What is wrong, as a sentence fragment that does not repeat more than a short echo of the input.
    public var problem: String

    public init(_ parameter: Parameter, _ problem: String) {
        self.parameter = parameter
        self.problem = problem
    }
}
