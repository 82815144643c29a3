import Foundation
public import Lua
import Synchronization
public import TideCore

/// How plan scripts are loaded and what they can reach.
public struct LuaPlanOptions: Sendable {
    /// The folder of Lua modules scripts `require` (`tide.plan`, …), searched before the plan's own
    /// folder; `nil` for none.
    public var stdlibPath: String?
    /// Limits of the plan's Lua state; its memory cap and ``LuaLimits/budget`` are the defaults of
    /// the plan's ``ExecutionLimits/memory``, ``ExecutionLimits/runTime`` and
    /// ``ExecutionLimits/instructions``, which the plan's `limits` table may change.
    public var limits: LuaLimits
    /// The clock `tide.sleep` sleeps on; give the engine's, so tests can drive both.
    public var clock: EngineClock
    /// Swift functions scripts call as `tide.actions.<name>`.
    public var actions: TideActions
    /// Runs the processes of `tide.exec`.
    public var processes: ProcessRunner
    /// Variables set on top of the plan's own `variables` (the CLI's `--var`).
    public var variables: [String: JSONValue]
    /// Replaces the plan's `concurrency` when set.
    public var maxConcurrency: Int?
    /// Receives `tide.log` and `print` calls made while the plan file itself runs (outside any task).
    public var log: (@Sendable (MessageLevel, String, SourceLocation?) -> Void)?
    /// Limits set on top of the plan's own `limits` table (the CLI's `--limit`); `memory`,
    /// `runTime` and `instructions` among them also bound the plan file's own run.
    public var limitOverrides: [ExecutionLimits.Name: ExecutionLimits.Setting]

    /// Creates options.
    public init(
        stdlibPath: String? = nil, limits: LuaLimits = .default, clock: EngineClock = .continuous,
        actions: TideActions = TideActions(), processes: ProcessRunner = ProcessRunner(),
        variables: [String: JSONValue] = [:], maxConcurrency: Int? = nil,
        log: (@Sendable (MessageLevel, String, SourceLocation?) -> Void)? = nil,
        limitOverrides: [ExecutionLimits.Name: ExecutionLimits.Setting] = [:]
    ) {
        self.limitOverrides = limitOverrides
        self.stdlibPath = stdlibPath
        self.limits = limits
        self.clock = clock
        self.actions = actions
        self.processes = processes
        self.variables = variables
        self.maxConcurrency = maxConcurrency
        self.log = log
    }
}

/// A plan read from a Lua script, with the Lua state its tasks run on.
///
/// ```swift
/// let loaded = try await LuaPlan.load(file: "plans/etl.lua", options: LuaPlanOptions(stdlibPath: "stdlib"))
/// let result = try await engine.execute(loaded.plan)
/// ```
///
/// The script runs once, in a sandbox whose `require` sees ``LuaPlanOptions/stdlibPath`` and the
/// plan's folder; it returns a plan table. Each task's `run` becomes a ``TaskBody`` that runs the
/// function as a coroutine of this plan's one Lua state (DESIGN.md rule 3): a task waiting on
/// `tide.sleep`, `tide.exec` or a resource holds no thread, and hundreds wait at once.
public struct LuaPlan: Sendable {
    /// The plan, validated.
    public let plan: ExecutionPlan
    /// The resource pools the plan declares (`pools = { { type = "gpu", capacity = 2 } }`); the
    /// `tide` tool adds them to its default pools.
    public let pools: [ResourcePool]
    /// The plan file's path, as given.
    public let file: String
    /// The plan file's text.
    public let source: String
    /// The Lua state the plan's tasks run on.
    public let runtime: LuaRuntime

    /// Reads and validates a plan file.
    ///
    /// - Throws: ``LuaPlanError`` listing every problem (a file that cannot be read, a syntax or
    ///   runtime error in the script, and every mistake in the plan table) at its `file:line`.
    public static func load(file: String, options: LuaPlanOptions = LuaPlanOptions()) async throws(LuaPlanError)
        -> LuaPlan
    {
        let source: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            guard data.count <= options.limits.maxSourceBytes else {
                throw failure(
                    file, "the plan file is \(data.count) bytes; the limit is \(options.limits.maxSourceBytes)")
            }
            source = String(decoding: data, as: UTF8.self)
        } catch let error as LuaPlanError {
            throw error
        } catch {
            let reason = FileManager.default.fileExists(atPath: file) ? "it cannot be read" : "there is no such file"
            throw failure(file, "cannot read the plan: \(reason)")
        }
        return try await load(source: source, file: file, options: options)
    }

    /// Reads and validates a plan from its text; `file` names it in errors and places `require`.
    public static func load(source: String, file: String, options: LuaPlanOptions = LuaPlanOptions())
        async throws(LuaPlanError) -> LuaPlan
    {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let options = Self.cappingLog(options)
        let runtime: LuaRuntime
        let setup: Setup
        do {
            runtime = try LuaRuntime(limits: loadingLimits(options))
            setup = try await runtime.withState { lua in
                try Setup(
                    lua: lua, options: options, searchPaths: [options.stdlibPath, folder].compactMap { $0 },
                    source: source, file: file)
            }
        } catch {
            throw failure(file, error)
        }
        let returned: [LuaValue]
        do {
            returned = try await runtime.run(setup.chunk)
        } catch {
            throw failure(file, error)
        }
        let defaultId = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let runner = setup.runner
        let ledger = setup.ledger
        let concurrency = PlanConcurrency()
        let baseLimits = Self.baseLimits(options)
        let read = await runtime.withState { lua in
            var reader = PlanReader(file: file, state: lua) { function, taskId in
                makeBody(
                    runtime: runtime, runner: runner, ledger: ledger, concurrency: concurrency, function: function,
                    taskId: taskId)
            }
            reader.baseLimits = baseLimits
            reader.limitOverrides = options.limitOverrides
            return Result { () throws(LuaPlanError) in
                let plan = try reader.read(returned.first ?? .nil, defaultId: defaultId)
                // The plan's memory budget applies to its state from here on.
                lua.setLimits(plan.limits.luaLimits(from: lua.limits))
                return (plan, reader.pools)
            }
        }
        var (plan, pools) = try read.get()
        plan.location = SourceLocation(file: file, line: 1)
        plan.variables.merge(options.variables) { _, override in override }
        if let concurrency = options.maxConcurrency {
            plan.maxConcurrency = concurrency
            do {
                try plan.validate()
            } catch {
                throw LuaPlanError(
                    file: file,
                    problems: error.problems.map { LuaPlanError.Problem(location: $0.location, message: $0.message) })
            }
        }
        concurrency.value.store(plan.maxConcurrency, ordering: .relaxed)
        return LuaPlan(plan: plan, pools: pools, file: file, source: source, runtime: runtime)
    }

    /// The options with their plan-file log passed through a ``PlanFileLog``.
    private static func cappingLog(_ options: LuaPlanOptions) -> LuaPlanOptions {
        var capped = options
        capped.log = options.log.map { PlanFileLog(sink: $0, limits: baseLimits(options)).forward }
        return capped
    }

    /// The limits a plan starts from before its `limits` table: the defaults, with the memory cap
    /// and run budget of ``LuaPlanOptions/limits``, then the command line's overrides of those
    /// three (which also bound the plan file's own run).
    private static func baseLimits(_ options: LuaPlanOptions) -> ExecutionLimits {
        var limits = ExecutionLimits.default
        limits.memory = options.limits.memory
        limits.runTime = options.limits.runTime
        limits.instructions = options.limits.instructions
        limits.slice = options.limits.slice
        limits.holdTime = options.limits.holdTime
        return limits
    }

    /// The limits of the plan's state while the plan file runs: the options' with the command
    /// line's memory, run time and instructions.
    static func loadingLimits(_ options: LuaPlanOptions) -> LuaLimits {
        baseLimits(options).overridden(by: options.limitOverrides).luaLimits(from: options.limits)
    }

    /// The body of one task: runs `function(ctx)` through the runner within the plan's run budget
    /// and its share of memory (``ExecutionLimits/taskMemoryShare(concurrency:)``), then saves
    /// `ctx.state`; the result is copied within ``ExecutionLimits/maxResultBytes`` and held against
    /// the memory budget.
    private static func makeBody(
        runtime: LuaRuntime, runner: LuaReference, ledger: DataLedger, concurrency: PlanConcurrency,
        function: LuaReference, taskId: String
    ) -> TaskBody {
        let id = LuaValue.string(LuaString(taskId))
        let name = "result"
        return TaskBody { context in
            let scope = LuaTaskScope(context: context)
            let limits = context.limits
            let ended = try await runtime.run(
                runner, arguments: [.function(function), id, .integer(context.attempt)],
                budget: LuaRunBudget(
                    time: limits.runTime, instructions: limits.instructions,
                    memory: limits.taskMemoryShare(concurrency: concurrency.value.load(ordering: .relaxed))),
                context: scope,
                results: LuaValueBound(name: name, maxBytes: limits.maxResultBytes, limitName: "maxResultBytes")
            ) { lua, outcome in
                // On the plan's state, right after the run: no other trip to the actor per task.
                var ended = Ended()
                var failure: (any Error)?
                if case .failure(let error) = outcome { failure = error }
                if scope.state != nil {
                    // Saved whether the attempt succeeded or not: a retry continues from it.
                    do {
                        ended.state = try scope.stateData(in: lua, ledger: ledger)
                    } catch {
                        failure = failure ?? error
                    }
                }
                if case .success(let values) = outcome, failure == nil, let value = values.first, value != .nil {
                    do {
                        let (result, bytes) = try DataConversion.sized(value, path: name)
                        try ledger.keep(bytes, for: name, in: lua)
                        ended.result = result
                    } catch {
                        failure = error
                    }
                }
                switch failure {
                case nil: break
                case let error as LuaError: ended.failure = ExecutionError(luaError: error, taskId: taskId)
                case let error as ExecutionError: ended.failure = error
                case is CancellationError: ended.cancelled = true
                case let error?:
                    ended.failure = ExecutionError(code: "TASK_ERROR", message: "\(error)", taskId: taskId)
                }
                return ended
            }
            if let state = ended.state { await context.setState(state) }
            if let failure = ended.failure { throw failure }
            if ended.cancelled { throw CancellationError() }
            return ended.result
        }
    }

    /// The concurrency the plan was loaded with, which task bodies (made while it is read) divide
    /// the memory budget by.
    private final class PlanConcurrency: Sendable {
        let value = Atomic<Int>(8)
    }

    /// How a task body's run ended, in Sendable form.
    private struct Ended: Sendable {
        var state: JSONValue?
        var result: JSONValue = .null
        var failure: ExecutionError?
        var cancelled = false
    }

    private static func failure(_ file: String, _ message: String) -> LuaPlanError {
        LuaPlanError(file: file, problems: [LuaPlanError.Problem(location: nil, message: message)])
    }

    private static func failure(_ file: String, _ error: any Error) -> LuaPlanError {
        guard let error = error as? LuaError else { return failure(file, "\(error)") }
        let location = error.chunkName.map { SourceLocation(file: $0, line: error.line ?? 0) }
        let what = error.code == .syntaxError ? "syntax error" : "the plan script failed (\(error.code))"
        return LuaPlanError(
            file: file, problems: [LuaPlanError.Problem(location: location, message: "\(what): \(error.message)")])
    }

    /// The plan state's sandbox, runner, data ledger and compiled plan chunk.
    private struct Setup: Sendable {
        let chunk: LuaReference
        let runner: LuaReference
        let ledger = DataLedger()

        init(lua: LuaState, options: LuaPlanOptions, searchPaths: [String], source: String, file: String)
            throws(LuaError)
        {
            let api = TideAPI(lua: lua, options: options, ledger: ledger)
            let kept = Kept()
            let keep = lua.makeFunction(named: "keep") { frame in
                kept.table = frame.reference(1)
                return 0
            }
            let bootstrap = try lua.load(taskRunnerSource, name: .label("[tide task runner]"), in: lua.makeSandbox())
            let arguments: [LuaValue] = try [api.hostTable(), .function(keep), .function(lua.makeRaiseFunction())]
            guard case .function(let runner)? = try lua.call(bootstrap, arguments).first, let tide = kept.table else {
                throw LuaError(.internalError, "the task runner did not start")
            }
            try lua.makeReadOnly(tide, name: "tide")
            self.runner = runner
            let sandbox = try lua.makeSandbox(
                searchPaths: searchPaths, readOnlyFolders: Set([options.stdlibPath].compactMap { $0 }),
                globals: ["tide": .table(tide), "print": .function(api.print())])
            chunk = try lua.load(source, name: .file(file), in: sandbox)
        }
    }

    /// Where the runner hands over the `tide` table.
    private final class Kept {
        var table: LuaReference?
    }
}

extension ExecutionError {
    /// The engine's form of a Lua error: its code, its message placed at `file:line`, whether the
    /// script said it is recoverable (a time limit is), and its context with `location` and
    /// `traceback` added.
    public init(luaError error: LuaError, taskId: String?) {
        var context: [String: JSONValue] = [:]
        if let extra = error.context {
            switch try? DataConversion.json(extra, path: "context") {
            case .object(let fields)?: context = fields
            case let value?: context["value"] = value
            case nil: context["value"] = .string(extra.description)
            }
        }
        if let chunk = error.chunkName {
            context["location"] = .string(error.line.map { "\(chunk):\($0)" } ?? chunk)
        }
        if let traceback = error.traceback { context["traceback"] = .string(traceback) }
        self.init(
            code: error.code.rawValue, message: error.placedMessage, taskId: taskId,
            recoverable: error.recoverable ?? (error.code == .scriptTimeout), context: context.isEmpty ? nil : context)
    }
}
