import HTTPService
import Hummingbird
import PasswordlessCore
import PasswordlessStorage

/// The management API's reads (`read:users`): the search, one user, the users of an address.
extension ManagementController {
    /// `GET /api/v2/users?q=…&page=…&per_page=…&include_totals=…`: one page of the tenant's users
    /// that `q` matches (``UserQuery``), newest first (``UserPage``: at most 100 a page, within
    /// the first 1,000 results). A bare array, or with `include_totals=true` Auth0's
    /// `{"start","limit","length","total","users"}`. `search_engine` is accepted and ignored (there
    /// is one engine). A malformed `q`, `page`, `per_page` or `include_totals` is 400
    /// `invalid_query_string`.
    func search(_ request: Request, context: PasswordlessRequestContext) async throws -> UserSearchAnswer {
        let tenant = try await authorize(request, scope: "read:users")
        let parameters = request.uri.queryParameters
        let query: UserQuery?
        let page: UserPage
        do throws(UserSearchError) {
            query = try UserQuery.parse(parameters.get("q"))
            page = try UserPage(page: parameters.get("page"), perPage: parameters.get("per_page"))
        } catch {
            throw Self.invalidQueryString("\(error.parameter.queryName) \(error.problem)")
        }
        let includeTotals: Bool
        switch parameters.get("include_totals") {
        case nil, "false": includeTotals = false
        case "true": includeTotals = true
        default: throw Self.invalidQueryString("include_totals must be true or false")
        }

        var answers: [UserAnswer] = []
        for user in try await users.users.search(tenantID: tenant.id, query: query, page: page) {
            guard let connection = try await directory.connection(id: user.connectionID) else { continue }
            answers.append(UserAnswer(user, connection: connection))
        }
        guard includeTotals else { return .users(answers) }
        let total = try await users.users.count(tenantID: tenant.id, query: query)
        return .page(start: page.offset, limit: page.perPage, total: total, users: answers)
    }

    /// 400 `invalid_query_string`, Auth0's error code for a query parameter it cannot use.
    static func invalidQueryString(_ description: String) -> APIError {
        APIError(status: 400, error: "invalid_query_string", description: description)
    }

    /// `GET /api/v2/users/{id}`: `{id}` is the user's `sub` (`sms|5f85…`) or its bare id.
    func show(_ request: Request, context: PasswordlessRequestContext) async throws -> UserAnswer {
        let tenant = try await authorize(request, scope: "read:users")
        let target = try await UserReference.resolve(context, tenant: tenant, users: users, directory: directory)
        return UserAnswer(target.user, connection: target.connection)
    }

    /// `GET /api/v2/users-by-email?email=…`: every user of the tenant with that address.
    func byEmail(_ request: Request, context: PasswordlessRequestContext) async throws -> [UserAnswer] {
        let tenant = try await authorize(request, scope: "read:users")
        guard let text = request.uri.queryParameters.get("email") else {
            throw APIError.badRequest("Missing required query parameter: email")
        }
        guard let address = EmailAddress(text) else {
            throw APIError(status: 400, error: "bad.email", description: "The email is not a valid address.")
        }
        var answers: [UserAnswer] = []
        for user in try await users.users.find(tenantID: tenant.id, email: address.address) {
            guard let connection = try await directory.connection(id: user.connectionID) else { continue }
            answers.append(UserAnswer(user, connection: connection))
        }
        return answers
    }
}
