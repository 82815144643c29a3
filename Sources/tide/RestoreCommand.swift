import ArgumentParser
import Tide

/// `tide restore CHECKPOINT_ID`: resumes an execution from one of its stored checkpoints.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Roll an execution back to a stored checkpoint and run it on from there.",
        discussion: "Tasks the checkpoint lists as completed keep their results; every other task runs again."
    )

    @Argument(help: "The checkpoint id (tide checkpoints ID lists them).")
    var checkpointId: String

    @OptionGroup var storage: StoreOptions
    @OptionGroup var continuing: ContinueOptions

    func run() async throws {
        let store = try storage.openExisting()
        let checkpoint = try failing { try store.checkpoint(checkpointId) }
        let execution = try failing { try store.execution(matching: checkpoint.executionId) }
        _ = try continuing.claim(execution, in: store, durability: storage.requestedDurability)
        let loaded = try await continuing.loadPlan(of: execution, releasingOnFailure: store)
        var point = try failing { try store.lastDurableState(of: execution.id) }
        let results = checkpoint.metadata["results"]
        point.completed = Dictionary(
            uniqueKeysWithValues: checkpoint.state.completedTasks.map { ($0, results?[$0] ?? .null) })
        point.taskStates = checkpoint.state.taskStates
        point.variables = checkpoint.state.variables
        point.source = "checkpoint \(checkpoint.id)"
        try failing {
            try store.rewind(
                execution.id, keeping: Set(point.completed.keys), states: point.taskStates, variables: point.variables)
        }
        try await continuing.run(loaded, execution, from: point, in: store)
    }
}
