import ArgumentParser
import Foundation
import Tide

/// `tide graph PLAN.lua`: the plan's DAG in Graphviz dot.
struct GraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Print the plan's task graph in Graphviz dot (render with: dot -Tsvg)."
    )

    @OptionGroup var input: PlanInput

    func run() async throws {
        let loaded = try await input.load(options: LuaPlanOptions())
        print(Self.dot(loaded.plan), terminator: "")
    }

    /// The dot text: one node per task (labelled with its id, priority and timeout when set), one
    /// edge per dependency, pointing from the dependency to the task.
    static func dot(_ plan: ExecutionPlan) -> String {
        var lines = ["digraph \(quoted(plan.id)) {", "  rankdir=LR;", "  node [shape=box, style=rounded];"]
        for task in plan.tasks {
            var label = task.id
            if task.priority != 5 { label += "\\npriority \(task.priority)" }
            if let timeout = task.timeout { label += "\\ntimeout \(timeout)" }
            let style = task.optional ? ", style=\"rounded,dashed\"" : ""
            lines.append("  \(quoted(task.id)) [label=\(quoted(label, escapingBackslashes: false))\(style)];")
        }
        for task in plan.tasks {
            for dependency in task.dependencies {
                lines.append("  \(quoted(dependency)) -> \(quoted(task.id));")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quoted(_ text: String, escapingBackslashes: Bool = true) -> String {
        var escaped = escapingBackslashes ? text.replacingOccurrences(of: "\\", with: "\\\\") : text
        escaped = escaped.replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}
