import ArgumentParser
import Events
import Foundation

/// `passwordless-admin deliveries list --tenant T [--limit N] [--json]`: the tenant's recent
/// delivery attempts, newest first, from the capped record the dispatchers keep
/// (``DeliveryLog``): masked recipients, never a code.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "Inspect recent deliveries.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recent delivery attempts of a tenant, newest first: time, connection, masked recipient, provider, outcome, "
                + "attempts, provider message id.")
        @OptionGroup var target: TenantOptions
        @Option(help: "At most this many (1 to \(DeliveryLog.cap)).") var limit = 50
        @Flag(help: "Print one JSON array.") var json = false

        func validate() throws {
            guard (1...DeliveryLog.cap).contains(limit) else { throw ValidationError("--limit must be 1 to \(DeliveryLog.cap)") }
        }

        func run() async throws {
            let tenantID = try await target.withTenant { _, tenant in tenant.id }
            let limit = limit
            let entries = try await target.store.withRedis { redis in
                try await DeliveryLog.read(tenant: tenantID, limit: limit, redis: redis)
            }
            Output.printList(
                entries.map { entry in
                    [
                        "time": Output.timestamp(Date(millisecondsSince1970: entry.time)), "job_id": entry.jobID,
                        "connection": entry.connection, "recipient": entry.recipient, "provider": entry.provider,
                        "outcome": entry.outcome, "attempts": entry.attempts, "provider_message_id": entry.providerMessageID,
                    ]
                },
                columns: ["time", "connection", "recipient", "provider", "outcome", "attempts", "provider_message_id"], json: json)
        }
    }
}
