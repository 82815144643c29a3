import ArgumentParser
import Tide

/// `tide validate PLAN.lua`: checks a plan without running it.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a plan: report every problem (exit 2), or print ok with its task count."
    )

    @OptionGroup var input: PlanInput
    @OptionGroup var limits: LimitOptions

    func run() async throws {
        let loaded = try await input.load(options: LuaPlanOptions(limitOverrides: try limits.overrides()))
        let count = loaded.plan.tasks.count
        print("ok: plan '\(loaded.plan.id)' has \(count) task\(count == 1 ? "" : "s")")
    }
}
