import ArgumentParser

/// `tide`: runs execution plans written in Lua.
@main
struct TideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tide",
        abstract: "Run execution plans (DAGs of tasks) written in Lua.",
        discussion: TideExit.table,
        version: "0.5.0",
        subcommands: [
            RunCommand.self, ValidateCommand.self, GraphCommand.self, ResumeCommand.self, PauseCommand.self,
            CancelCommand.self, ListCommand.self, StatusCommand.self, ShowCommand.self, LogsCommand.self,
            CheckpointsCommand.self, RestoreCommand.self, PruneCommand.self, StrategiesCommand.self, AlertsCommand.self,
        ]
    )
}
