import ArgumentParser
import Foundation
import Tide

/// Loads the plan of a recorded execution again, to resume it.
enum RecordedPlan {
    /// The plan as the execution started it: from its file when unchanged; a changed file only
    /// with `allowChanged`; the recorded text when the file is gone.
    static func load(_ execution: StoredExecution, input: PlanLoading, allowChanged: Bool) async throws -> LuaPlan {
        let file = execution.planFile
        var source = execution.planSource
        if let current = try? String(contentsOfFile: file, encoding: .utf8) {
            if StoredExecution.hash(current) != execution.planHash {
                guard allowChanged else {
                    Terminal.standardError.write(
                        "tide: the plan file '\(file)' changed since execution \(execution.id) started; resuming it "
                            + "with a different plan can re-run or skip the wrong tasks. Restore the file, or give "
                            + "--allow-changed-plan to use it as it is now\n")
                    throw ExitCode(TideExit.invalidPlan)
                }
                source = current
                Terminal.standardError.write("tide: using the changed plan file '\(file)' (--allow-changed-plan)\n")
            }
        } else {
            Terminal.standardError.write("tide: '\(file)' is gone; resuming with the plan text recorded at the start\n")
        }
        var options = try input.options()
        if let recorded = execution.limits {
            // The limits the execution started with, under any --limit given again now.
            var kept: [ExecutionLimits.Name: ExecutionLimits.Setting] = [:]
            for name in ExecutionLimits.Name.allCases { kept[name] = recorded[name] }
            options.limitOverrides = kept.merging(options.limitOverrides) { _, again in again }
        }
        do {
            return try await LuaPlan.load(source: source, file: file, options: options)
        } catch {
            Terminal.standardError.write(error.description + "\n")
            throw ExitCode(TideExit.invalidPlan)
        }
    }
}

/// The options that shape how a recorded plan is loaded again.
struct PlanLoading: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The folder of Lua modules plans require (default: found next to the tool).", valueName: "dir"))
    var stdlib: String?

    @OptionGroup var limits: LimitOptions

    func options() throws -> LuaPlanOptions {
        var options = LuaPlanOptions(log: { level, text, location in
            let place = location.map { "\($0): " } ?? ""
            Terminal.standardError.write("\(place)\(level.rawValue) \(text)\n")
        })
        options.stdlibPath = try PlanInput.checkedStdlib(explicit: stdlib)
        options.limitOverrides = try limits.overrides()
        return options
    }
}
