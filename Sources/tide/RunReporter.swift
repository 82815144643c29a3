import Foundation
import Tide

/// What `tide run` shows while an execution runs.
final class RunReporter {
    /// How the run is shown.
    enum Mode: Equatable {
        /// A live progress line on a terminal, redrawn in place, with messages above it.
        case progress
        /// One line per event and message (output is not a terminal).
        case lines
        /// NDJSON: one `{"event": …}` or `{"message": …}` object per line; the final `{"result": …}`
        /// line carries the timeline only with `timeline` (else `"timelineEvents": N`).
        case json(timeline: Bool)
        /// Nothing until the summary.
        case quiet
    }

    let mode: Mode
    private let out = Terminal.standardOutput
    private let encoder = RunReporter.makeEncoder()
    private var running: [String] = []
    private var failures = 0
    private var lastDraw: ContinuousClock.Instant?
    private var drawn = false
    private var startedAt: Date?

    init(mode: Mode) {
        self.mode = mode
    }

    /// A JSON encoder with ISO 8601 dates (milliseconds) and sorted keys.
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
        }
        return encoder
    }

    /// A line the plan file printed or logged while it was read.
    func planLog(_ level: MessageLevel, _ text: String, _ location: SourceLocation?) {
        let place = location.map { "\($0): " } ?? ""
        Terminal.standardError.write("\(place)\(level.rawValue) \(text)\n")
    }

    /// Says which execution this is and where it is recorded, before anything runs: with `--json`
    /// as a first line `{"execution": {"executionId": …, "planId": …, "store": …}}`.
    func announce(executionId: String, planId: String, store: String?) {
        switch mode {
        case .json:
            var fields: [String: JSONValue] = ["executionId": .string(executionId), "planId": .string(planId)]
            fields["store"] = store.map(JSONValue.string) ?? .null
            out.write(line(["execution": JSONValue.object(fields)]))
        case .lines, .progress:
            let place = store.map { "recorded in \($0)" } ?? "in memory"
            out.write("execution \(executionId) of plan '\(planId)', \(place)\n")
        case .quiet:
            if let store { Terminal.standardError.write("tide: execution \(executionId), recorded in \(store)\n") }
        }
    }

    /// Shows what happened since the last call.
    func show(_ update: ExecutionUpdate, events: [ExecutionEvent], messages: [ExecutionMessage]) {
        for event in events { track(event) }
        switch mode {
        case .quiet:
            return
        case .json:
            var text = ""
            for event in events { text += line(["event": event]) }
            for message in messages { text += line(["message": message]) }
            out.write(text)
        case .lines:
            var text = ""
            for event in events { text += describe(event) + "\n" }
            for message in messages { text += describe(message) + "\n" }
            out.write(text)
        case .progress:
            var text = ""
            if drawn, !messages.isEmpty || events.contains(where: isNotable) { text += "\r\u{1B}[2K" }
            for event in events where isNotable(event) { text += describe(event) + "\n" }
            for message in messages { text += describe(message) + "\n" }
            let now = ContinuousClock.now
            let due = lastDraw.map { now - $0 >= .milliseconds(100) } ?? true
            if due || !text.isEmpty || update.status.isFinal {
                text += "\r\u{1B}[2K" + progressLine(update)
                lastDraw = now
                drawn = true
            }
            out.write(text)
        }
    }

    /// Ends the live output and prints the result: the summary, or the final `{"result": …}` line.
    func finish(_ result: ExecutionResult) {
        switch mode {
        case .json(let timeline):
            out.write(timeline ? line(["result": result]) : line(["result": Self.withoutTimeline(result)]))
        case .progress:
            if drawn { out.write("\r\u{1B}[2K") }
            out.write(RunSummary(result: result).text)
        case .lines, .quiet:
            out.write(RunSummary(result: result).text)
        }
    }

    /// The result as JSON with `"timelineEvents": N` instead of the timeline, so that the last
    /// line stays small whatever the run did (its events were streamed line by line).
    static func withoutTimeline(_ result: ExecutionResult) -> JSONValue {
        var short = result
        short.timeline = []
        guard let data = try? makeEncoder().encode(short),
            case .object(var fields) = try? JSONDecoder().decode(JSONValue.self, from: data)
        else { return .null }
        fields["timeline"] = nil
        fields["timelineEvents"] = .int(result.timeline.count)
        return .object(fields)
    }

    private func line<T: Encodable>(_ value: [String: T]) -> String {
        guard let data = try? encoder.encode(value) else { return "" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private func track(_ event: ExecutionEvent) {
        if startedAt == nil { startedAt = event.timestamp }
        guard let taskId = event.taskId else { return }
        switch event.type {
        case .taskStarted: running.append(taskId)
        case .taskCompleted: running.removeAll { $0 == taskId }
        case .taskFailed:
            running.removeAll { $0 == taskId }
            if event.data?["code"]?.stringValue != "SKIPPED" { failures += 1 }
        default: break
        }
    }

    /// Events worth a line above the progress bar: failures, recoveries, custom events, checkpoints.
    private func isNotable(_ event: ExecutionEvent) -> Bool {
        switch event.type {
        case .taskStarted, .taskCompleted, .resourceAllocated, .resourceReleased: false
        default: true
        }
    }

    private func elapsed(_ date: Date) -> String {
        let seconds = date.timeIntervalSince(startedAt ?? date)
        return String(format: "[%8.3fs]", seconds)
    }

    private func describe(_ event: ExecutionEvent) -> String {
        var text =
            "\(elapsed(event.timestamp)) \(event.type.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0)) "
        text += event.description
        if let data = event.data, event.type == .custom, let json = compact(data) {
            text += " \(json)"
        }
        return text
    }

    private func describe(_ message: ExecutionMessage) -> String {
        var text =
            "\(elapsed(message.timestamp)) \(message.level.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0)) "
        if let taskId = message.taskId { text += "[\(taskId)] " }
        text += message.message
        if let context = message.context, let json = compact(.object(context)) { text += " \(json)" }
        return text
    }

    private func compact(_ value: JSONValue) -> String? {
        guard let data = try? encoder.encode(value) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }

    private func progressLine(_ update: ExecutionUpdate) -> String {
        let progress = update.progress
        let width = 24
        let filled = Int((progress.percentage / 100 * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: max(0, width - filled))
        var text =
            "\(bar) \(String(format: "%5.1f", progress.percentage))% \(progress.completedTasks)/\(progress.totalTasks)"
        if let remaining = progress.estimatedTimeRemaining, !update.status.isFinal {
            text += " ETA \(Self.shortDuration(remaining / 1000))"
        }
        if !running.isEmpty {
            let shown = running.prefix(3).joined(separator: ", ")
            text += " | \(shown)" + (running.count > 3 ? " +\(running.count - 3)" : "")
        }
        if failures > 0 { text += " | \(failures) failed" }
        if update.status == .paused { text += " | PAUSED" }
        let limit = out.width - 1
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    /// `850ms`, `12.3s`, `4m05s`, `2h10m`.
    static func shortDuration(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        if seconds < 3600 { return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60) }
        return String(format: "%dh%02dm", Int(seconds) / 3600, (Int(seconds) % 3600) / 60)
    }
}
