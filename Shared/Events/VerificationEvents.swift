import Foundation
import JobQueue
import Logging
import LoginCodes
import PasswordlessCore
import RedisClient

/// The `verification.*` events, from where codes are issued (the gateway) and checked (the
/// token routes), and the expiry watch behind `verification.expired` (``ExpiryWatch``).
///
/// Each call costs nothing but a cache lookup for a tenant without a hook for the events it
/// could emit, and never fails or throws: a failure is logged and the request goes on.
public struct VerificationEvents: Sendable {
    let emitter: HookEmitter
    let tagger: RecipientTagger

    public init(emitter: HookEmitter, masterKey: MasterKey) {
        self.emitter = emitter
        self.tagger = RecipientTagger(masterKey: masterKey)
    }

    /// Whether the tenant has a hook that an issued code concerns (`verification.pending` or
    /// `verification.expired`), from the directory's cache.
    public func wantsIssued(tenantID: UUID) async throws -> Bool {
        if try await emitter.wants(.verificationPending, tenantID: tenantID) { return true }
        return try await emitter.wants(.verificationExpired, tenantID: tenantID)
    }

    /// A code was issued to `recipient` and its message queued as `jobID`: `verification.pending`,
    /// and the code is watched for `verification.expired`.
    public func issued(tenantID: UUID, connection: Connection, recipient: String, userID: String, jobID: String, expiresAt: Date) async {
        var data = EventData(connection: connection, recipient: recipient, userID: userID)
        data.jobID = jobID
        await run("verification.pending") {
            var commands = try await emitter.commands(.verificationPending, tenantID: tenantID, data: data)
            if try await emitter.wants(.verificationExpired, tenantID: tenantID) {
                commands += ExpiryWatch.watch(
                    member(connection, recipient), until: expiresAt.millisecondsSince1970,
                    entry: ExpiryWatch.Entry(tenant: tenantID, data: data), layout: emitter.layout)
            }
            return commands
        }
    }

    /// A code check ended with `outcome`: a spent right code is `verification.approved`, a wrong
    /// one `verification.failed` (reason `wrong`, or `exhausted` when it was the last try). A
    /// code used up either way is no longer watched for expiry.
    public func checked(_ outcome: CodeStore.Outcome, spent: Bool, connection: Connection, recipient: String) async {
        let type: HookEventType
        var data = EventData(connection: connection, recipient: recipient)
        switch outcome {
        case .verified(let userID) where spent:
            type = .verificationApproved
            data = EventData(connection: connection, recipient: recipient, userID: userID.isEmpty ? nil : userID)
        case .wrong, .exhausted:
            type = .verificationFailed
            data.reason = outcome.label
        default:
            return
        }
        await run(type.rawValue) {
            var commands = try await emitter.commands(type, tenantID: connection.tenantID, data: data)
            if type != .verificationFailed || outcome == .exhausted,
                try await emitter.wants(.verificationExpired, tenantID: connection.tenantID)
            {
                commands += ExpiryWatch.unwatch(member(connection, recipient), layout: emitter.layout)
            }
            return commands
        }
    }

    private func member(_ connection: Connection, _ recipient: String) -> String {
        ExpiryWatch.member(connection: connection.id, tag: tagger.tag(connection: connection.id, recipient: recipient))
    }

    private func run(_ what: String, _ commands: () async throws -> [RedisCommand]) async {
        do {
            let commands = try await commands()
            guard !commands.isEmpty else { return }
            try await emitter.send(commands)
        } catch {
            emitter.logger.warning("cannot emit a hook event", metadata: ["type": "\(what)", "error": "\(error)"])
        }
    }
}
