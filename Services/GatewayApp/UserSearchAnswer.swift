import Hummingbird

/// The body of `GET /api/v2/users`: the users as a bare array, or, with `include_totals=true`,
/// Auth0's page object `{"start","limit","length","total","users"}`.
enum UserSearchAnswer: ResponseEncodable {
    case users([UserAnswer])
    /// `start`: the index of the page's first user in the whole result; `limit`: the page size
    /// asked for; `total`: how many users match in all.
    case page(start: Int, limit: Int, total: Int, users: [UserAnswer])

    private enum CodingKeys: String, CodingKey {
        case start, limit, length, total, users
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .users(let users):
            var container = encoder.singleValueContainer()
            try container.encode(users)
        case .page(let start, let limit, let total, let users):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(start, forKey: .start)
            try container.encode(limit, forKey: .limit)
            try container.encode(users.count, forKey: .length)
            try container.encode(total, forKey: .total)
            try container.encode(users, forKey: .users)
        }
    }
}
