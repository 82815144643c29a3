import Foundation
import Tide

/// The report printed when a run ends: the spec's "Metrics Analysis" of the execution.
struct RunSummary {
    let result: ExecutionResult

    /// The report, a block of aligned lines.
    var text: String {
        let metrics = result.metrics
        var completed = 0
        var failed = 0
        var skipped = 0
        var started = Set<String>()
        for event in result.timeline {
            switch event.type {
            case .taskStarted: if let id = event.taskId { started.insert(id) }
            case .taskCompleted: completed += 1
            case .taskFailed: if event.data?["code"]?.stringValue == "SKIPPED" { skipped += 1 } else { failed += 1 }
            default: break
            }
        }
        var rows: [(String, String)] = [
            ("status", result.status.rawValue),
            ("tasks", "\(completed) completed, \(failed) failed, \(skipped) skipped"),
            (
                "duration",
                "\(RunReporter.shortDuration(metrics.totalDuration / 1000)) total, "
                    + "\(RunReporter.shortDuration(metrics.effectiveDuration / 1000)) with tasks running"
            ),
            ("efficiency", percent(metrics.resourceEfficiency) + " of allocated resource time was busy"),
            ("cost", String(format: "%.4f", metrics.totalCost)),
            ("quality", String(format: "%.2f", metrics.qualityScore)),
            ("success rate", percent(metrics.successRate)),
            ("throughput", String(format: "%.1f tasks/s", metrics.throughput)),
            ("error rate", percent(metrics.errorRate) + " of attempts failed"),
        ]
        var byType: [String: (count: Int, amount: Double, seconds: Double, cost: Double)] = [:]
        for usage in result.resourceUsage {
            var entry = byType[usage.resourceType] ?? (0, 0, 0, 0)
            entry.count += 1
            entry.amount += usage.amountUsed
            entry.seconds += (usage.endTime ?? usage.startTime).timeIntervalSince(usage.startTime)
            entry.cost += usage.cost
            byType[usage.resourceType] = entry
        }
        for (type, entry) in byType.sorted(by: { $0.key < $1.key }) {
            rows.append(
                (
                    "resources",
                    "\(type): \(entry.count) allocation\(entry.count == 1 ? "" : "s"), "
                        + String(format: "%g units, %.2fs held, cost %.4f", entry.amount, entry.seconds, entry.cost)
                ))
        }
        if let error = result.error {
            rows.append(("error", error.description))
        }
        if let value = result.result, value != .null, value != .object([:]) {
            let encoder = RunReporter.makeEncoder()
            let json = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "?"
            rows.append(("result", json.count > 400 ? String(json.prefix(400)) + "…" : json))
        }
        var text = "\nMetrics analysis: plan '\(result.planId)', execution \(result.executionId)\n"
        for (label, value) in rows {
            text += "  " + label.padding(toLength: 13, withPad: " ", startingAt: 0) + value + "\n"
        }
        return text
    }

    private func percent(_ fraction: Double) -> String {
        String(format: "%.1f%%", fraction * 100)
    }
}
