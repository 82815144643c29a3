import ArgumentParser
import Foundation
import Tide

/// `tide logs ID [--follow]`: an execution's messages.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs", abstract: "Print an execution's log messages; --follow waits for more until it ends.")

    @OptionGroup var reference: ExecutionReference

    @Flag(name: .shortAndLong, help: "Keep printing new messages until the execution ends.")
    var follow = false

    func run() async throws {
        let (store, execution) = try reference.resolve()
        var seen = 0
        while true {
            for (sequence, message) in try failing({ try store.messages(of: execution.id, after: seen) }) {
                seen = sequence
                let task = message.taskId.map { "[\($0)] " } ?? ""
                print(
                    "\(Table.date(message.timestamp)) \(message.level.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(task)\(message.message)"
                )
            }
            guard follow else { return }
            let now = try failing { try store.execution(matching: execution.id) }
            if now.status.isFinal || !now.isLive() {
                // One last read: messages committed with the final status.
                for (_, message) in try failing({ try store.messages(of: execution.id, after: seen) }) {
                    let task = message.taskId.map { "[\($0)] " } ?? ""
                    print(
                        "\(Table.date(message.timestamp)) \(message.level.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)) \(task)\(message.message)"
                    )
                }
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }
}
