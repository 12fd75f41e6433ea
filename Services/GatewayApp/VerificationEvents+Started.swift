import Events
import Foundation
import LoginCodes
import PasswordlessCore

extension VerificationEvents {
    /// `verification.pending` for a start that queued a message; a start that sent nothing (for
    /// someone who does not exist, sign-ups disabled) emits nothing.
    ///
    /// Whether the tenant has a hook for it is asked of the directory's cache for every start,
    /// sent or not, so that its cost tells nobody apart; only then, and in a task of its own that
    /// the answer does not wait for, is the event queued — otherwise, where a tenant has hooks, the
    /// answer's timing would tell an existing user from a missing one. A tenant without hooks
    /// pays the cache lookup alone.
    func issued(_ started: LoginStarter.Started, tenant: Tenant, connection: Connection, recipient: Recipient) async {
        let wanted: Bool
        do {
            wanted = try await wantsIssued(tenantID: tenant.id)
        } catch {
            wanted = true  // the task finds out again, and logs what failed
        }
        guard wanted, let jobID = started.jobID else { return }
        let (tenantID, userID, address) = (tenant.id, started.user.id, recipient.normalized)
        let expiresAt = Date().addingTimeInterval(Double(connection.codeTTLSeconds))
        Task {
            await issued(tenantID: tenantID, connection: connection, recipient: address, userID: userID, jobID: jobID, expiresAt: expiresAt)
        }
    }
}
