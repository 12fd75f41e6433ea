import Foundation
import Logging
import PasswordlessCore
import PasswordlessStorage
import PostgresNIO
import RedisClient

/// The gateway's one mechanism for "send this person a code": find or create the user, draw a
/// code, store its MAC (replacing any earlier code) and enqueue its sealed send job.
///
/// `/passwordless/start` and the seed's `/api/users` both go through here.
public struct LoginStarter: Sendable {
    let users: UserRepository
    let codes: CodeStore
    let jobSeal: SecretBox

    public init(postgres: PostgresClient, redis: RedisClient, masterKey: MasterKey, logger: Logger) {
        users = UserRepository(client: postgres, logger: logger)
        codes = CodeStore(redis: redis, masterKey: masterKey)
        jobSeal = SecretBox(masterKey: masterKey, purpose: .jobSeal)
    }

    /// What a start did.
    public struct Started: Sendable {
        public var user: User
        public var created: Bool
        public var jobID: String
    }

    /// Refusals a start can end in, before anything is sent.
    public enum Refusal: Error, Equatable {
        /// The connection disables sign-ups and the user does not exist.
        case signupDisabled
    }

    public func start(
        tenant: Tenant, connection: Connection, recipient: String, clientID: String, applicationName: String, language: String?
    ) async throws -> Started {
        let user: User
        let created: Bool
        if connection.disableSignup {
            guard let existing = try await users.find(tenantID: tenant.id, connectionID: connection.id, identifier: recipient) else {
                throw Refusal.signupDisabled
            }
            (user, created) = (existing, false)
        } else {
            (user, created) = try await users.findOrCreate(tenantID: tenant.id, connection: connection, identifier: recipient)
        }
        let code = OneTimeCode.generate(length: connection.codeLength)
        let job = SendJob.make(
            code: code, box: jobSeal, tenantID: tenant.id, connectionID: connection.id, clientID: clientID, applicationName: applicationName,
            recipient: recipient, expiresAt: Date().addingTimeInterval(Double(connection.codeTTLSeconds)), language: language)
        try await codes.issue(
            code: code, connection: connection.id, recipient: recipient, userID: user.id, ttlSeconds: connection.codeTTLSeconds, job: job)
        return Started(user: user, created: created, jobID: job.id)
    }

    /// The normalised recipient a connection expects from a request, or Auth0's error for it.
    public static func recipient(for connection: Connection, phoneNumber: String?, email: String?) throws(APIError) -> String {
        switch connection.strategy {
        case .sms:
            guard let phoneNumber else { throw APIError(status: 400, error: "bad.phone_number", description: "Missing required property: phone_number") }
            guard let number = PhoneNumber(phoneNumber) else {
                throw APIError(status: 400, error: "bad.phone_number", description: "The phone_number must be in E.164 format (+ and 1 to 15 digits).")
            }
            return number.e164
        case .email:
            guard let email else { throw APIError(status: 400, error: "bad.email", description: "Missing required property: email") }
            guard let address = EmailAddress(email) else { throw APIError(status: 400, error: "bad.email", description: "The email is not a valid address.") }
            return address.address
        }
    }
}
