import ArgumentParser
import Foundation
import LoginCodes
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO

/// `passwordless-admin user list --tenant T [--query Q]` and
/// `passwordless-admin user show|block|unblock|delete --tenant T <user_id>`.
///
/// Changes go through `UserDirectory`, as the services' own do: PostgreSQL first, then the
/// user's cached identity is dropped, so the next `/passwordless/start` or code exchange sees
/// the change at once. A Redis failure after the change says so; running the command again
/// (it is idempotent) clears the cache.
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Find, inspect, block, unblock and delete users.",
        subcommands: [List.self, Show.self, Block.self, Unblock.self, Delete.self])

    /// The `<user_id>` argument: the bare id or the `sub` (`sms|5f85…`).
    struct Reference: ParsableArguments {
        @OptionGroup var target: TenantOptions
        @Argument(help: "The user's id, or its sub (<connection>|<id>).") var userID: String
        @Flag(help: "Print one JSON object.") var json = false

        /// The user and its connection's name, or a one-line error when the tenant has no such user.
        static func load(_ reference: String, _ client: PostgresClient, _ tenant: Tenant) async throws -> (User, String) {
            let parts = reference.split(separator: "|", maxSplits: 1).map(String.init)
            let (connectionName, id) = parts.count == 2 ? (parts[0], parts[1]) : (nil, reference)
            guard let user = try await UserRepository(client: client, logger: .admin).find(id: id), user.tenantID == tenant.id,
                let connection = try await ConnectionRepository(client: client, logger: .admin).find(id: user.connectionID),
                connectionName == nil || connectionName == connection.name
            else {
                throw ValidationError("tenant \(tenant.name) has no user \(reference)")
            }
            return (user, connection.name)
        }

        /// Loads the user, applies `change` through a `UserDirectory` and prints the result.
        func change(_ change: @escaping @Sendable (UserDirectory, User) async throws -> User?) async throws {
            let masterKey = try target.store.masterKey()
            let reference = userID
            let (user, connection, tenant) = try await target.store.withRedis { redis in
                try await target.withTenant { client, tenant in
                    let (user, connection) = try await Self.load(reference, client, tenant)
                    let directory = UserDirectory(postgres: client, redis: redis, masterKey: masterKey, logger: .admin)
                    guard let changed = try await change(directory, user) else {
                        throw ValidationError("tenant \(tenant.name) has no user \(reference)")
                    }
                    return (changed, connection, tenant.name)
                }
            }
            Output.print(UserCommand.fields(user, connection: connection, tenant: tenant), json: json)
        }
    }

    static func fields(_ user: User, connection: String, tenant: String) -> KeyValuePairs<String, (any Sendable)?> {
        [
            "id": user.id, "user_id": "\(connection)|\(user.id)", "connection": connection, "email": user.email,
            "phone_number": user.phoneNumber, "email_verified": user.email != nil ? user.emailVerified : nil,
            "phone_verified": user.phoneNumber != nil ? user.phoneVerified : nil, "blocked": user.blocked, "tenant": tenant,
            "created_at": user.createdAt.map(Output.timestamp),
        ]
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List or search a tenant's users, newest first, a page at a time (within the first 1000 results).",
            discussion: """
                --query takes what GET /api/v2/users' q takes: email:"ada@example.com" or phone_number:"+14155550100" \
                (exact), email:ada* or phone_number:+1415* (prefix), or a bare term (an email or phone number that \
                starts with it).
                """)
        @OptionGroup var target: TenantOptions
        @Option(help: "Search: email:\"…\", phone_number:\"…\", email:ada*, or a bare term.") var query: String?
        @Option(help: "Page, from 0.") var page = 0
        @Option(help: "Users a page, 1 to \(UserPage.maximumSize).") var perPage = UserPage.defaultSize
        @Flag(help: "Print one JSON array.") var json = false

        func run() async throws {
            let search: UserQuery?
            let window: UserPage
            do throws(UserSearchError) {
                search = try UserQuery.parse(query)
                window = try UserPage(page: page, perPage: perPage)
            } catch {
                throw ValidationError("\(error.parameter.flag) \(error.problem)")
            }
            let rows = try await target.withTenant { client, tenant in
                let users = try await UserRepository(client: client, logger: .admin).search(
                    tenantID: tenant.id, query: search, page: window)
                var names: [UUID: String] = [:]
                var rows: [KeyValuePairs<String, (any Sendable)?>] = []
                for user in users {
                    if names[user.connectionID] == nil {
                        names[user.connectionID] = try await ConnectionRepository(client: client, logger: .admin).find(
                            id: user.connectionID)?.name
                    }
                    rows.append(UserCommand.fields(user, connection: names[user.connectionID] ?? "?", tenant: tenant.name))
                }
                return rows
            }
            Output.printList(rows, columns: ["user_id", "email", "phone_number", "blocked", "created_at"], json: json)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a user.")
        @OptionGroup var user: Reference

        func run() async throws {
            let reference = user.userID
            let (found, connection, tenant) = try await user.target.withTenant { client, tenant in
                let (found, connection) = try await Reference.load(reference, client, tenant)
                return (found, connection, tenant.name)
            }
            Output.print(UserCommand.fields(found, connection: connection, tenant: tenant), json: user.json)
        }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Block a user: /passwordless/start and the token routes answer 401 \"user is blocked\" at once.")
        @OptionGroup var user: Reference

        func run() async throws {
            try await user.change { directory, found in try await directory.setBlocked(id: found.id, blocked: true) }
        }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unblock a user.")
        @OptionGroup var user: Reference

        func run() async throws {
            try await user.change { directory, found in try await directory.setBlocked(id: found.id, blocked: false) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a user: its next start signs it up afresh (a new id), or, with sign-ups disabled, sends nothing.")
        @OptionGroup var user: Reference

        func run() async throws {
            try await user.change { directory, found in try await directory.delete(id: found.id) }
        }
    }
}
