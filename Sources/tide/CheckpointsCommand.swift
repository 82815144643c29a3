import ArgumentParser
import Foundation
import Tide

/// `tide checkpoints ID`: an execution's stored checkpoints.
struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints", abstract: "List an execution's checkpoints (tide restore ID rolls back to one).")

    @Argument(help: "The execution id (or a unique prefix of it).")
    var id: String

    @OptionGroup var storage: StoreOptions

    func run() async throws {
        let store = try storage.openExisting()
        let execution = try failing { try store.execution(matching: id) }
        let checkpoints = try failing { try store.checkpoints(of: execution.id) }
        guard !checkpoints.isEmpty else {
            print("execution \(execution.id) has no checkpoints")
            return
        }
        for checkpoint in checkpoints {
            let reason = checkpoint.metadata["reason"]?.stringValue ?? ""
            print(
                "\(checkpoint.id)  \(Table.date(checkpoint.timestamp))  \(checkpoint.state.completedTasks.count) task(s) completed  \(reason)"
            )
        }
    }
}
