import ArgumentParser
import Foundation
import Tide

/// Where the store is: `--db`, `$TIDE_DB`, or `.tide/tide.db` (beside the plan for `run`; in the
/// current folder or the nearest parent that has one for the other commands).
struct StoreOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("The store file (default: .tide/tide.db beside the plan; also $TIDE_DB).", valueName: "path")
    )
    var db: String?

    @Option(
        help: ArgumentHelp(
            "What a commit survives: process (a killed process; the default for a new execution) or power (an OS "
                + "crash or power loss; an fsync per commit). A resume keeps an execution's level; this can raise it.",
            valueName: "level"))
    var durability: String?

    func validate() throws {
        if let durability, Durability(rawValue: durability) == nil {
            throw ValidationError("--durability must be process or power, not '\(durability)'")
        }
    }

    /// The level asked for with `--durability`, if any.
    var requestedDurability: Durability? { durability.flatMap(Durability.init(rawValue:)) }

    private var explicitPath: String? {
        if let db { return db }
        if let path = ProcessInfo.processInfo.environment["TIDE_DB"], !path.isEmpty { return path }
        return nil
    }

    /// The store for running a plan: created beside the plan unless a path was given.
    func openForPlan(at planFile: String) throws -> ExecutionStore {
        try open(explicitPath ?? ExecutionStore.defaultPath(forPlanAt: planFile))
    }

    /// The store for commands about recorded executions: it must exist.
    func openExisting() throws -> ExecutionStore {
        if let path = explicitPath {
            guard FileManager.default.fileExists(atPath: path) else {
                throw TideExit.fail(TideExit.noInput, "no store at '\(path)'")
            }
            return try open(path)
        }
        var folder = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while true {
            let candidate = folder.appendingPathComponent(".tide/tide.db").path
            if FileManager.default.fileExists(atPath: candidate) { return try open(candidate) }
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        throw TideExit.fail(
            TideExit.noInput,
            "no store found: .tide/tide.db is not in this folder or any parent; `tide run` keeps it beside "
                + "the plan (and prints where): give it with --db PATH or $TIDE_DB")
    }

    private func open(_ path: String) throws -> ExecutionStore {
        try failing { try ExecutionStore(path: path, durability: requestedDurability ?? .process) }
    }
}
