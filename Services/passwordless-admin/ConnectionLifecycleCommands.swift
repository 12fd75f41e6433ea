import ArgumentParser
import Foundation
import JobQueue
import LoginCodes
import PasswordlessCore
import PasswordlessStorage

extension ConnectionCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tenant's connections (never their credentials).")
        @OptionGroup var target: TenantOptions
        @Flag(help: "Print a JSON array of what connection show prints.") var json = false

        func run() async throws {
            let (connections, tenant) = try await target.withTenant { client, tenant in
                (try await ConnectionRepository(client: client, logger: .admin).all(tenantID: tenant.id), tenant.name)
            }
            let names = Dictionary(uniqueKeysWithValues: connections.map { ($0.id, $0.name) })
            let rows = connections.map { connection in
                ConnectionCommand.details(connection, tenant: tenant, fallback: connection.fallbackConnectionID.flatMap { names[$0] })
            }
            Output.printList(rows, columns: ["name", "strategy", "provider", "from", "id"], json: json)
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a connection with its users and templates (asks on a terminal; the services see it within 10 s).")
        @OptionGroup var target: TenantOptions
        @Argument(help: "The connection's name.") var name: String
        @OptionGroup var confirmation: Confirmation
        @Flag(help: "Print one JSON object: the connection deleted.") var json = false

        func run() async throws {
            let name = self.name
            let connection = try await target.withTenant { client, tenant in
                try await ConnectionCommand.find(name, in: tenant, client: ConnectionRepository(client: client, logger: .admin))
            }
            try confirmation.confirm("Delete connection \(name) of tenant \(target.tenant) with all its users?")
            let deleted = try await target.store.withPostgres { client in
                try await ConnectionRepository(client: client, logger: .admin).delete(id: connection.id)
            }
            guard deleted else { throw AdminError("tenant \(target.tenant) has no connection \(name)") }
            Output.printOutcome("deleted \(name)", fields: ConnectionCommand.fields(connection).map { ($0.key, $0.value) }, json: json)
        }
    }

    /// Queues one message through a connection, as the dashboard's "Try" button does, to check
    /// its provider and template. The code in it is random and stored nowhere: it signs no one in,
    /// and no user is created.
    struct SendTest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Send a test message through a connection (its code signs no one in); a dispatcher delivers it.")
        @OptionGroup var target: TenantOptions
        @Argument(help: "The connection's name.") var name: String
        @Option(help: "Where to send it: a phone number in E.164 (SMS) or an email address.") var to: String
        @Flag(help: "Print one JSON object.") var json = false

        func run() async throws {
            let (name, to) = (self.name, self.to)
            let box = SecretBox(masterKey: try target.store.masterKey(), purpose: .jobSeal)
            let (tenant, connection) = try await target.withTenant { client, tenant in
                (tenant, try await ConnectionCommand.find(name, in: tenant, client: ConnectionRepository(client: client, logger: .admin)))
            }
            guard let recipient = Recipient(to, strategy: connection.strategy) else {
                throw AdminError(
                    connection.strategy == .sms
                        ? "--to must be a phone number in E.164 format (+ and 1 to 15 digits)" : "--to must be an email address")
            }
            let job = SendJob.make(
                code: OneTimeCode.generate(length: connection.codeLength), box: box, tenantID: tenant.id, connectionID: connection.id,
                clientID: "", applicationName: tenant.name, recipient: recipient.normalized,
                expiresAt: Date().addingTimeInterval(Double(connection.codeTTLSeconds)), language: connection.defaultLanguage)
            try await target.store.withQueue(record: true) { redis, layout in
                _ = try await redis.send(DeliveryQueue.enqueue(job, layout: layout)).throwingServerError()
            }
            Output.print(["job_id": job.id, "connection": connection.name, "tenant": tenant.name], json: json)
        }
    }
}
