import Foundation

/// The figures behind an execution's metrics, progress and samples, as one copyable value.
///
/// The execution keeps a live copy it updates as things happen. A journaled execution also keeps
/// the copy taken when its last durable commit started: everything the engine reports (metrics,
/// progress, samples, the status in updates and results) is computed from that committed copy, so
/// no reader sees a figure that a crash could still take back. Times are engine offsets.
struct ExecutionCounters: Sendable {
    /// The status as of this copy.
    var status: ExecutionStatus = .pending
    var startedAt: Duration?
    var completedAt: Duration?
    var pausedSince: Duration?
    var pausedTotal: Duration = .zero
    /// While at least one attempt runs: since when (the union of run intervals is busy time).
    var busySince: Duration?
    var busyTotal: Duration = .zero
    /// Attempts running now.
    var inFlight = 0
    var attemptsStarted = 0
    var attemptsFailed = 0
    var qualitySum = 0.0
    var qualityCount = 0
    var currentPhase: String?
    /// Active run time of the attempts that ended.
    var completedAttemptTime: Duration = .zero
    /// Running totals over released allocations: cost, efficiency × amount × seconds held, amount × seconds held.
    var releasedCost = 0.0
    var releasedWeightedEfficiency = 0.0
    var releasedWeight = 0.0
    /// How many released allocations the totals cover (a prefix of the execution's usage records).
    var releasedUsages = 0

    // Filled from the scheduler when a copy is taken (``Execution/capturedCounters(includingCurrentTask:)``).
    var completedTasks = 0
    var finishedTasks = 0
    var queuedTasks = 0
    var totalTasks = 0
    var maxConcurrency = 1
    var currentTask: String?

    /// Active time at `now`: engine time minus the time spent paused.
    func activeNow(at now: Duration) -> Duration {
        now - pausedTotal - (pausedSince.map { now - $0 } ?? .zero)
    }

    /// Marks the execution paused at `now`.
    mutating func pause(at now: Duration) { pausedSince = now }

    /// Ends a pause at `now` (nothing if not paused).
    mutating func endPause(at now: Duration) {
        if let since = pausedSince { pausedTotal += now - since }
        pausedSince = nil
    }

    /// An attempt started at `now`.
    mutating func attemptStarted(at now: Duration) {
        if inFlight == 0 { busySince = now }
        inFlight += 1
        attemptsStarted += 1
    }

    /// An attempt ended at `now` after `activeTime` of active run time.
    mutating func attemptEnded(at now: Duration, activeTime: Duration?) {
        inFlight -= 1
        if inFlight == 0, let since = busySince {
            busyTotal += now - since
            busySince = nil
        }
        if let activeTime { completedAttemptTime += activeTime }
    }

    /// Adds a released allocation's usage to the running totals.
    mutating func released(_ usage: ResourceUsage) {
        let seconds = (usage.endTime ?? usage.startTime).timeIntervalSince(usage.startTime)
        releasedCost += usage.cost
        releasedWeightedEfficiency += usage.efficiency * usage.amountUsed * seconds
        releasedWeight += usage.amountUsed * seconds
        releasedUsages += 1
    }

    /// The metrics at engine time `now` (see ``ExecutionMetrics`` for each definition), with the
    /// usage so far of allocations still held.
    func metrics(at now: Duration, date: (Duration) -> Date, ongoing: [ResourceUsage]) -> ExecutionMetrics {
        let end = completedAt ?? now
        let total = startedAt.map { end - $0 } ?? .zero
        let busy = busyTotal + (busySince.map { end - $0 } ?? .zero)
        var cost = releasedCost
        var weighted = releasedWeightedEfficiency
        var weight = releasedWeight
        for record in ongoing {
            let held = date(end).timeIntervalSince(record.startTime)
            cost += record.cost
            weighted += record.efficiency * record.amountUsed * held
            weight += record.amountUsed * held
        }
        return ExecutionMetrics(
            totalDuration: total.milliseconds,
            effectiveDuration: busy.milliseconds,
            totalCost: cost,
            resourceEfficiency: weight > 0 ? weighted / weight : 1,
            qualityScore: qualityCount == 0 ? 1 : qualitySum / Double(qualityCount),
            successRate: finishedTasks == 0 ? 1 : Double(completedTasks) / Double(finishedTasks),
            throughput: total > .zero ? Double(completedTasks) / total.seconds : 0,
            errorRate: attemptsStarted == 0 ? 0 : Double(attemptsFailed) / Double(attemptsStarted))
    }

    /// Progress as of this copy.
    func progress() -> ExecutionProgress {
        var eta: Double?
        if completedTasks > 0, !status.isFinal {
            let remaining = totalTasks - finishedTasks
            let mean = completedAttemptTime.milliseconds / Double(max(1, attemptsStarted - inFlight))
            eta = mean * Double(remaining) / Double(max(1, min(maxConcurrency, remaining)))
        }
        return ExecutionProgress(
            percentage: totalTasks == 0 ? 100 : Double(finishedTasks) / Double(totalTasks) * 100,
            completedTasks: completedTasks, totalTasks: totalTasks,
            estimatedTimeRemaining: status.isFinal ? 0 : eta,
            currentPhase: currentPhase ?? status.rawValue.lowercased())
    }
}
