import ArgumentParser
import Foundation
import Tide

/// `tide list`: the recent executions in the store.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List recent executions.")

    @Option(help: "How many to show.")
    var limit = 20

    @OptionGroup var storage: StoreOptions

    func run() async throws {
        let store = try storage.openExisting()
        let executions = try failing { try store.recentExecutions(limit: limit) }
        guard !executions.isEmpty else {
            print("no executions in \(store.path)")
            return
        }
        print(Table.row(["ID", "STATUS", "PLAN", "STARTED", "DURATION", "TASKS"]))
        for execution in executions {
            let done = try failing { try store.taskOutcomes(of: execution.id) }.values.filter { $0 == .completed }.count
            var status = execution.status.rawValue
            if !execution.status.isFinal && !execution.isLive() { status += " (stopped)" }
            // A stopped run ran until its last heartbeat (written every second).
            let end =
                execution.completedAt ?? (execution.isLive() ? Date() : execution.heartbeatAt ?? execution.updatedAt)
            print(
                Table.row([
                    execution.id, status, execution.planId, Table.date(execution.createdAt),
                    RunReporter.shortDuration(end.timeIntervalSince(execution.createdAt)),
                    "\(done)/\(execution.totalTasks)",
                ]))
        }
    }
}

/// Plain aligned columns.
enum Table {
    static let widths = [36, 20, 20, 19, 9, 9]

    static func row(_ cells: [String]) -> String {
        zip(cells, widths).map { cell, width in
            cell.padding(toLength: max(width, cell.count), withPad: " ", startingAt: 0)
        }
        .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }

    static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }
}
