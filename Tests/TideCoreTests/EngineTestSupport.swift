import Foundation
import TideCore
import TideTesting

/// Counts things across tasks.
actor Counter {
    private(set) var values: [String: Int] = [:]
    private(set) var current = 0
    private(set) var peak = 0

    func increment(_ key: String) -> Int {
        values[key, default: 0] += 1
        return values[key, default: 0]
    }

    func enter() {
        current += 1
        peak = max(peak, current)
    }

    func leave() { current -= 1 }
}

struct Boom: Error, CustomStringConvertible {
    var description: String { "boom" }
}

func makeEngine(clock: ManualClock, configuration: EngineConfiguration = EngineConfiguration())
    -> DefaultExecutionEngine
{
    DefaultExecutionEngine(
        clock: EngineClock(clock, startDate: .init(timeIntervalSince1970: 1_000_000)), configuration: configuration)
}

/// A task that sleeps `seconds` on `clock`.
func sleeper(_ id: String, _ seconds: Int, after: [String] = [], clock: ManualClock, priority: Int = 5) -> PlanTask {
    PlanTask(id: id, dependencies: after, priority: priority) { _ in
        try await clock.sleep(for: .seconds(seconds))
        return .string(id)
    }
}

extension ExecutionResult {
    /// The event types of the timeline, in order.
    var eventTypes: [ExecutionEventType] { timeline.map(\.type) }

    /// The task ids of events of one type, in order.
    func tasks(_ type: ExecutionEventType) -> [String] { timeline.filter { $0.type == type }.compactMap(\.taskId) }
}
