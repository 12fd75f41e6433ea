import Events
import Foundation
import LoginCodes
import PasswordlessCore

extension VerificationEvents {
    /// `verification.pending` for a start that queued a message; a start that sent nothing (for
    /// someone who does not exist, sign-ups disabled) emits nothing.
    ///
    /// In a task of its own that the answer does not wait for: otherwise, where a tenant has
    /// hooks, the answer's timing would tell an existing user from a missing one.
    func issued(_ started: LoginStarter.Started, tenant: Tenant, connection: Connection, recipient: Recipient) {
        guard let jobID = started.jobID else { return }
        let (tenantID, userID, address) = (tenant.id, started.user.id, recipient.normalized)
        let expiresAt = Date().addingTimeInterval(Double(connection.codeTTLSeconds))
        Task {
            await issued(tenantID: tenantID, connection: connection, recipient: address, userID: userID, jobID: jobID, expiresAt: expiresAt)
        }
    }
}
