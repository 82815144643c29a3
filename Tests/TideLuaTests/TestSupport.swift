import Foundation
import Testing
import Tide
import TideTesting

/// The repository's root folder (tests read `stdlib/` and `scripts/` from it).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The stdlib folder shipped with the engine.
let stdlibPath = repositoryRoot.appendingPathComponent("stdlib").path

/// A fresh folder for one test's plan files.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tide-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `source` as `name` in a fresh folder and returns its path.
func writePlan(_ source: String, name: String = "plan.lua") throws -> String {
    let file = try temporaryFolder().appendingPathComponent(name)
    try source.write(to: file, atomically: true, encoding: .utf8)
    return file.path
}

/// Loads a plan from source, as `plan.lua` in a fresh folder.
func loadPlan(_ source: String, options: LuaPlanOptions = LuaPlanOptions()) async throws -> LuaPlan {
    var options = options
    options.stdlibPath = stdlibPath
    return try await LuaPlan.load(file: try writePlan(source), options: options)
}

/// The problems a plan has; records an issue if it loads.
func problems(_ source: String) async -> [LuaPlanError.Problem] {
    do {
        _ = try await loadPlan(source)
        Issue.record("the plan loaded, but problems were expected")
        return []
    } catch {
        return (error as? LuaPlanError)?.problems ?? []
    }
}

/// Loads and runs a plan to its end on the real clock (for plans that do not wait on time).
func runPlan(
    _ source: String, options: LuaPlanOptions = LuaPlanOptions(),
    configuration: EngineConfiguration = EngineConfiguration()
) async throws -> ExecutionResult {
    let loaded = try await loadPlan(source, options: options)
    let engine = DefaultExecutionEngine(configuration: configuration)
    return try await engine.execute(loaded.plan)
}

extension ExecutionResult {
    /// The events of one type, in order.
    func events(_ type: ExecutionEventType) -> [ExecutionEvent] { timeline.filter { $0.type == type } }

    /// The failure recorded for a task, from its `TASK_FAILED` event.
    func failure(of taskId: String) -> JSONValue? {
        timeline.last { $0.type == .taskFailed && $0.taskId == taskId }?.data
    }
}

/// Runs `body` on a thread of its own and waits for it without holding a thread of the
/// concurrency pool: tests that block for long (waiting on child processes) would otherwise starve
/// the pool's few threads, and with them every async test running beside them. The body runs in
/// the calling task (on ``ThreadPerJobExecutor``), so an `#expect` inside it is reported against
/// the test that made it.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try body() }
}

/// A task executor that runs each job on a new thread: work that blocks its thread holds none of
/// the concurrency pool's.
final class ThreadPerJobExecutor: TaskExecutor {
    static let shared = ThreadPerJobExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        Thread.detachNewThread { job.runSynchronously(on: executor) }
    }
}
