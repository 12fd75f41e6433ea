import ArgumentParser

/// `passwordless-admin`: the operator's command line for the schema, tenants, clients,
/// connections, keys and the delivery queue, and the operators' web console (`console`). Every
/// command reads the same settings as the services (`DATABASE_URL`, `REDIS_URL`,
/// `PASSWORDLESS_MASTER_KEY`), overridable by flags.
@main
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwordless-admin",
        abstract: "Operate a Passwordless deployment.",
        subcommands: [
            Migrate.self, TenantCommand.self, ClientCommand.self, APICommand.self, ConnectionCommand.self, TokenCommand.self,
            KeysCommand.self, QueueCommand.self, DeadCommand.self, UserCommand.self, HookCommand.self, DeliveriesCommand.self,
            ConsoleCommand.self,
        ]
    )
}
