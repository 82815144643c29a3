import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

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

    /// Runs the command. SIGPIPE is ignored first: a reader that goes away (`tide run … | head`)
    /// or a child that stops reading its input must not kill the process and abandon the
    /// execution; writes to a closed pipe fail with EPIPE instead, and the run goes on to its end.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        await main(nil)
    }
}
