import Foundation
import JobQueue
import Logging
import LoginCodes
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import RedisClient

/// Operators sign in with Passwordless itself: a one-time code sent through the email connection
/// of the console's tenant by the gateway's own ``LoginStarter`` (the operator is a user of that
/// tenant; its rate limits apply) and checked by the token service's atomic ``CodeStore`` check.
struct OperatorSignIn: Sendable {
    let settings: ConsoleSettings
    let postgres: PostgresClient
    let starter: LoginStarter
    let codes: CodeStore
    let logger: Logger

    /// The client a console code is bound to: no application redeems it. (The console also accepts
    /// a code bound to no client, as `POST /api/users` sends, for the operator's own address.)
    static let clientID = "passwordless-console"

    init(settings: ConsoleSettings, postgres: PostgresClient, redis: RedisClient, queue: QueueLayout, logger: Logger) {
        self.settings = settings
        self.postgres = postgres
        starter = LoginStarter(postgres: postgres, redis: redis, masterKey: settings.masterKey, queue: queue, logger: logger)
        codes = CodeStore(redis: redis, masterKey: settings.masterKey)
        self.logger = logger
    }

    /// Sends a code to `email` when it is an operator's address; anyone else gets nothing, and
    /// the caller answers both the same way. A refusal (rate limit, lockout, blocked) is logged
    /// without the address and sends nothing.
    func sendCode(to email: String, clientIP: String?) async {
        guard let address = settings.operators.match(email), let recipient = Recipient(address, strategy: .email) else { return }
        do {
            let (tenant, connection) = try await emailConnection()
            let started = try await starter.start(
                tenant: tenant, connection: connection, recipient: recipient, clientID: Self.clientID,
                applicationName: "Passwordless console", language: nil, clientIP: clientIP, signupAllowed: true)
            logger.info("console code sent", metadata: ["tenant": "\(tenant.name)", "job": "\(started.jobID ?? "none")"])
        } catch {
            logger.warning("console code not sent", metadata: ["reason": "\(Self.describe(error))"])
        }
    }

    /// Whether `code` is the right, live code of the operator `email` (spent by a right answer;
    /// wrong ones count against it as at the token endpoint).
    func check(code: String, for email: String) async -> Bool {
        guard let address = settings.operators.match(email), let recipient = Recipient(address, strategy: .email) else { return false }
        let code = code.trimmingCharacters(in: .whitespaces)
        guard !code.isEmpty, code.count <= 16 else { return false }
        do {
            let (_, connection) = try await emailConnection()
            let outcome = try await codes.verify(
                code: code, connection: connection.id, recipient: recipient, limits: connection.limits, clientID: Self.clientID)
            if case .verified = outcome { return true }
            return false
        } catch {
            logger.warning("console code not checked", metadata: ["reason": "\(Self.describe(error))"])
            return false
        }
    }

    /// `CONSOLE_TENANT` (or the first tenant) and its first email connection.
    func emailConnection() async throws -> (Tenant, Connection) {
        let tenants = TenantRepository(client: postgres, logger: logger)
        let found: Tenant?
        if let name = settings.tenant { found = try await tenants.find(nameOrDomain: name) } else { found = try await tenants.first() }
        guard let tenant = found else { throw ConsoleSignInProblem("no console tenant (CONSOLE_TENANT, or create a tenant)") }
        guard
            let connection = try await ConnectionRepository(client: postgres, logger: logger).all(tenantID: tenant.id)
                .first(where: { $0.strategy == .email })
        else { throw ConsoleSignInProblem("tenant \(tenant.name) has no email connection") }
        return (tenant, connection)
    }

    /// A refusal's name, or an error's type: never an address or a code.
    static func describe(_ error: any Error) -> String {
        if let refusal = error as? LoginStarter.Refusal { return refusal.outcome.rawValue }
        if let problem = error as? ConsoleSignInProblem { return problem.description }
        return String(describing: type(of: error))
    }
}

/// Why the console cannot send or check operators' codes (a setup problem, logged).
struct ConsoleSignInProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
