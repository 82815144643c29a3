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
            "What a commit survives: process (a killed process) or power (an OS crash or power loss; an fsync per commit).",
            valueName: "level"))
    var durability: String = "process"

    func validate() throws {
        guard Durability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be process or power, not '\(durability)'")
        }
    }

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
                Terminal.standardError.write("tide: no store at '\(path)'\n")
                throw ExitCode(1)
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
        Terminal.standardError.write(
            "tide: no store found: .tide/tide.db is not in this folder or any parent; `tide run` keeps it beside "
                + "the plan (and prints where): give it with --db PATH or $TIDE_DB\n")
        throw ExitCode(1)
    }

    private func open(_ path: String) throws -> ExecutionStore {
        do {
            return try ExecutionStore(path: path, durability: Durability(rawValue: durability) ?? .process)
        } catch {
            Terminal.standardError.write("tide: \(error)\n")
            throw ExitCode(1)
        }
    }
}

/// Runs store work; on failure prints the error and exits with 1.
func failing<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch {
        Terminal.standardError.write("tide: \(error)\n")
        throw ExitCode(1)
    }
}
