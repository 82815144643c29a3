import ArgumentParser
import Foundation
import Tide

/// `tide status ID`: where an execution stands.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show an execution's status, progress and running tasks.")

    @OptionGroup var reference: ExecutionReference

    func run() async throws {
        let (store, execution) = try reference.resolve()
        let outcomes = try failing { try store.taskOutcomes(of: execution.id) }
        let completed = outcomes.values.filter { $0 == .completed }.count
        let failed = outcomes.values.filter { $0 == .failed }.count
        var running: [String] = []
        var last: [String: ExecutionEventType] = [:]
        let events = try failing { try store.events(of: execution.id) }
        for event in events {
            if let taskId = event.taskId, [.taskStarted, .taskCompleted, .taskFailed].contains(event.type) {
                last[taskId] = event.type
            }
        }
        running = last.filter { $0.value == .taskStarted }.map(\.key).sorted()
        let live = execution.isLive()
        var status = execution.status.rawValue
        if !execution.status.isFinal {
            status +=
                live
                ? " in process \(execution.owner?.pid ?? 0) on \(execution.owner?.host ?? "?")"
                : " (its process stopped: tide resume continues it)"
        }
        let percent = execution.totalTasks == 0 ? 100 : Double(completed) * 100 / Double(execution.totalTasks)
        print("execution  \(execution.id)")
        print("plan       \(execution.planId) (\(execution.planFile))")
        print("status     \(status)")
        print(
            "progress   \(completed)/\(execution.totalTasks) tasks completed (\(String(format: "%.1f", percent))%)"
                + (failed > 0 ? ", \(failed) failed" : ""))
        if live || !execution.status.isFinal {
            print("running    " + (running.isEmpty ? "-" : running.joined(separator: ", ")))
        }
        print("started    \(Table.date(execution.createdAt))")
        if let last = events.last { print("last event \(Table.date(last.timestamp)) \(last.description)") }
    }
}
