import ArgumentParser
import Foundation
import Tide

/// `tide show ID`: the Metrics analysis report of an execution, with its timeline.
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show an execution's metrics analysis, resource usage and timeline.")

    @OptionGroup var reference: ExecutionReference

    @Flag(help: "Print the ExecutionResult as JSON.")
    var json = false

    func run() async throws {
        let (store, execution) = try reference.resolve()
        var result =
            execution.result
            ?? ExecutionResult(
                executionId: execution.id, planId: execution.planId, status: execution.status,
                startedAt: execution.createdAt)
        result.status = execution.status
        result.timeline = try failing { try store.events(of: execution.id) }
        result.resourceUsage = try failing { try store.resourceUsage(of: execution.id) }
        if json {
            let data = try RunReporter.makeEncoder().encode(result)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        if execution.result == nil {
            print("execution \(execution.id) has not ended (\(execution.status.rawValue)): metrics come with its end")
        } else {
            print(RunSummary(result: result).text, terminator: "")
        }
        print("\ntimeline (\(result.timeline.count) events)")
        let start = result.timeline.first?.timestamp ?? execution.createdAt
        for event in result.timeline {
            let offset = String(format: "[%8.3fs]", event.timestamp.timeIntervalSince(start))
            print(
                "  \(offset) \(event.type.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0)) \(event.description)"
            )
        }
    }
}
