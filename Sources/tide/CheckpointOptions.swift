import ArgumentParser
import Tide

/// Automatic checkpoints of a run: every N completed tasks and/or every interval.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Take a checkpoint every N completed tasks.", valueName: "n"))
    var checkpointEvery: Int?

    @Option(help: ArgumentHelp("Take a checkpoint every interval (30s, 5m, …).", valueName: "duration"))
    var checkpointInterval: String?

    func validate() throws {
        if let checkpointEvery, checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
        if let checkpointInterval, case .failure(let error) = DurationText.parse(checkpointInterval) {
            throw ValidationError("--checkpoint-interval: \(error)")
        }
    }

    /// The engine's checkpoint policy.
    var policy: CheckpointPolicy {
        var interval: Duration?
        if let checkpointInterval, case .success(let duration) = DurationText.parse(checkpointInterval),
            duration > .zero
        {
            interval = duration
        }
        return CheckpointPolicy(everyTasks: checkpointEvery, interval: interval)
    }
}
