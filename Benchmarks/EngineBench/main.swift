// tide-engine-bench: per-task overhead of the engine core with Swift no-op bodies, release build.
//
//   dev/bench-engine.sh        (swift run -c release tide-engine-bench)
//
// W1 10,000 independent tasks; W2 a chain of 1,000; W3 50 layers x 50 tasks, each depending on
// tasks i, i+1, i+2 (mod 50) of the previous layer; W4 200 tasks each sleeping 50 ms with
// concurrency 50 (ideal wall time 200 ms). Every event is recorded in the timeline. Each figure is
// the best of 5 rounds. "retained" is the heap (glibc mallinfo2 in-use bytes) still held per
// finished task while its result is kept.
import CHeap
import Foundation
import TideCore

func heapInUse() -> Int { Int(tide_heap_in_use()) }

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func independent(_ count: Int) -> ExecutionPlan {
    ExecutionPlan(id: "w1", maxConcurrency: 64, tasks: (0..<count).map { PlanTask(id: "t\($0)", body: .noop) })
}

func chain(_ count: Int) -> ExecutionPlan {
    ExecutionPlan(
        id: "w2", maxConcurrency: 64,
        tasks: (0..<count).map { PlanTask(id: "t\($0)", dependencies: $0 == 0 ? [] : ["t\($0 - 1)"], body: .noop) })
}

func layered(layers: Int, width: Int) -> ExecutionPlan {
    var tasks: [PlanTask] = []
    for layer in 0..<layers {
        for index in 0..<width {
            let dependencies = layer == 0 ? [] : (0..<3).map { "L\(layer - 1)T\((index + $0) % width)" }
            tasks.append(PlanTask(id: "L\(layer)T\(index)", dependencies: dependencies, body: .noop))
        }
    }
    return ExecutionPlan(id: "w3", maxConcurrency: 64, tasks: tasks)
}

func sleepers(_ count: Int, concurrency: Int) -> ExecutionPlan {
    ExecutionPlan(
        id: "w4", maxConcurrency: concurrency,
        tasks: (0..<count).map { _ in () }.enumerated().map { index, _ in
            PlanTask(id: "s\(index)") { _ in
                try await Task.sleep(for: .milliseconds(50))
                return .null
            }
        })
}

struct Measurement {
    var tasksPerSecond: Double
    var microsecondsPerTask: Double
    var retainedBytesPerTask: Double
    var wallSeconds: Double
}

func measure(_ name: String, _ plan: @escaping @Sendable () -> ExecutionPlan, rounds: Int = 5) async throws
    -> Measurement
{
    var best: Measurement?
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        let built = plan()
        let engine = DefaultExecutionEngine()
        let heapBefore = heapInUse()
        let start = clock.now
        let result = try await engine.execute(built)
        let wall = seconds(clock.now - start)
        precondition(result.status == .completed, "\(name) did not complete: \(result.status)")
        let retained = Double(heapInUse() - heapBefore) / Double(built.tasks.count)
        let measurement = Measurement(
            tasksPerSecond: Double(built.tasks.count) / wall,
            microsecondsPerTask: wall * 1e6 / Double(built.tasks.count),
            retainedBytesPerTask: retained, wallSeconds: wall)
        if let current = best, current.wallSeconds <= measurement.wallSeconds {} else { best = measurement }
        withExtendedLifetime(result) {}
    }
    guard let best else { fatalError("no rounds were run") }
    return best
}

func report(_ name: String, _ m: Measurement) {
    print(
        name.padding(toLength: 40, withPad: " ", startingAt: 0)
            + String(
                format: "%10.0f tasks/s %8.2f µs/task %8.0f B retained/task", m.tasksPerSecond, m.microsecondsPerTask,
                m.retainedBytesPerTask))
}

print(
    "Tide engine core, Swift no-op tasks, best of 5 rounds (release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)"
)
report("W1 10,000 independent tasks", try await measure("W1") { independent(10_000) })
report("W2 chain of 1,000 tasks", try await measure("W2") { chain(1_000) })
report("W3 50 layers x 50 tasks (3 deps each)", try await measure("W3") { layered(layers: 50, width: 50) })
let w4 = try await measure("W4", { sleepers(200, concurrency: 50) }, rounds: 3)
report("W4 200 x 50 ms sleeps, concurrency 50", w4)
print(String(format: "W4 efficiency = 0.200 s ideal / %.3f s wall = %.3f", w4.wallSeconds, 0.2 / w4.wallSeconds))
