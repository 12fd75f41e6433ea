/// Runs the CLI's commands for the console's pages: reads as they are, changes (every POST) with
/// an audit line. Controllers build argument lists; this is where they are run.
struct ConsoleCommands: Sendable {
    let runner: CommandRunner
    let audit: ConsoleAudit

    /// A read: `--json` is added.
    func read(_ arguments: [String]) async -> CommandRunner.Outcome {
        await runner.run(CommandRunner.adding(["--json"], to: arguments))
    }

    /// A change by the signed-in operator, audited; `json` adds `--json` (commands that print an object).
    func change(_ arguments: [String], json: Bool = true, context: ConsoleContext) async -> CommandRunner.Outcome {
        let outcome = await runner.run(CommandRunner.adding(json ? ["--json"] : [], to: arguments))
        audit.record(operator: context.operatorEmail, arguments: arguments, error: outcome.error)
        return outcome
    }
}
