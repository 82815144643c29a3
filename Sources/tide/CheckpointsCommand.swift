import ArgumentParser
import Foundation
import Tide

/// `tide checkpoints ID`: an execution's stored checkpoints.
struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints", abstract: "List an execution's checkpoints (tide restore ID rolls back to one).")

    @OptionGroup var reference: ExecutionReference

    func run() async throws {
        let (store, execution) = try reference.resolve()
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
