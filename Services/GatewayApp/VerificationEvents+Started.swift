import Events
import Foundation
import LoginCodes
import PasswordlessCore

extension VerificationEvents {
    /// `verification.pending` for a start that queued a message (a start that sent nothing, for
    /// someone who does not exist, emits nothing).
    func issued(_ started: LoginStarter.Started, tenant: Tenant, connection: Connection, recipient: Recipient) async {
        guard let jobID = started.jobID else { return }
        await issued(
            tenantID: tenant.id, connection: connection, recipient: recipient.normalized, userID: started.user.id, jobID: jobID,
            expiresAt: Date().addingTimeInterval(Double(connection.codeTTLSeconds)))
    }
}
