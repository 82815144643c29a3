import ArgumentParser
import Tide

/// `--limit NAME=VALUE`: a limit of the plan's `limits` table set from the command line.
struct LimitOptions: ParsableArguments {
    @Option(
        name: .customLong("limit"),
        help: ArgumentHelp(
            "Set a limit of the plan's limits table (repeatable), over the plan's own: maxEvents=1000, "
                + "memory=64MiB, runTime=5s, runTime=none. The README lists every limit.",
            valueName: "name=value"))
    var limits: [String] = []

    func validate() throws {
        _ = try overrides()
    }

    /// The limits given, by name (the last one of a name wins).
    func overrides() throws -> [ExecutionLimits.Name: ExecutionLimits.Setting] {
        var overrides: [ExecutionLimits.Name: ExecutionLimits.Setting] = [:]
        for text in limits {
            switch LimitsReader.commandLine(text) {
            case .success(let (name, setting)): overrides[name] = setting
            case .failure(let error): throw ValidationError("--limit \(text): \(error.description)")
            }
        }
        return overrides
    }
}
