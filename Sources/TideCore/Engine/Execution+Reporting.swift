internal import DequeModule
import Foundation

extension Execution {
    /// The metrics so far (see ``ExecutionMetrics`` for each definition).
    func metrics() -> ExecutionMetrics {
        let end = completedAt ?? clock.now()
        let total = startedAt.map { end - $0 } ?? .zero
        let busy = busyTotal + (busySince.map { end - $0 } ?? .zero)
        let completed = scheduler.completedCount
        let finished = scheduler.finishedCount
        // Released allocations are summed as they are released; only those still held are read here.
        var cost = releasedCost
        var weighted = releasedWeightedEfficiency
        var weight = releasedWeight
        for record in ongoingUsage() {
            let held = clock.date(at: end).timeIntervalSince(record.startTime)
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
            successRate: finished == 0 ? 1 : Double(completed) / Double(finished),
            throughput: total > .zero ? Double(completed) / total.seconds : 0,
            errorRate: attemptsStarted == 0 ? 0 : Double(attemptsFailed) / Double(attemptsStarted))
    }

    /// Usage of every allocation the execution made: released ones, then those still held.
    func resourceUsage() -> [ResourceUsage] {
        holding.isEmpty ? usages : usages + ongoingUsage()
    }

    /// Usage so far of the allocations still held.
    func ongoingUsage() -> [ResourceUsage] {
        guard !holding.isEmpty else { return [] }
        return resources.ongoingUsage(holding.sorted().flatMap { records[$0].resources.map(\.id) })
    }

    /// Progress so far.
    func progress() -> ExecutionProgress {
        let total = plan.tasks.count
        let finished = scheduler.finishedCount
        var eta: Double?
        if completionOrder.count > 0, !status.isFinal {
            let mean = completedAttemptTime.milliseconds / Double(max(1, attemptsStarted - inFlight))
            eta = mean * Double(total - finished) / Double(max(1, min(scheduler.maxConcurrency, total - finished)))
        }
        let phase = currentPhase ?? status.rawValue.lowercased()
        return ExecutionProgress(
            percentage: total == 0 ? 100 : Double(finished) / Double(total) * 100,
            completedTasks: scheduler.completedCount,
            totalTasks: total, estimatedTimeRemaining: status.isFinal ? 0 : eta, currentPhase: phase)
    }

    /// The execution's result: final once the status is.
    func result() -> ExecutionResult {
        var sinkResults: [String: JSONValue] = [:]
        for index in sinks {
            if let result = records[index].result { sinkResults[plan.tasks[index].id] = result }
        }
        let start = startedAt ?? clock.now()
        return ExecutionResult(
            executionId: id, planId: plan.id, status: status, startedAt: clock.date(at: start),
            completedAt: completedAt.map { clock.date(at: $0) }, result: .object(sinkResults), error: error,
            metrics: metrics(), resourceUsage: resourceUsage(), timeline: timeline)
    }

    /// The running task that started first, if any.
    ///
    /// Amortized O(1) while monitors are attached (they keep ``runningOrder`` filled); a scan of
    /// the running tasks otherwise.
    func currentTaskIndex() -> Int? {
        while let first = runningOrder.first, runningSince[first.index] != first.since {
            runningOrder.removeFirst()
        }
        if let first = runningOrder.first { return first.index }
        var best: (index: Int, since: Duration)?
        for (index, since) in runningSince.enumerated() {
            guard let since else { continue }
            if let current = best, current.since <= since { continue }
            best = (index, since)
        }
        return best?.index
    }

    /// The figures alert conditions read.
    func sample() -> ExecutionSample {
        ExecutionSample(
            status: status, metrics: metrics(), progress: progress(), runningTasks: inFlight,
            queuedTasks: scheduler.readyCount)
    }

    /// A snapshot for monitors.
    func update(events: [ExecutionEvent], messages: [ExecutionMessage]) -> ExecutionUpdate {
        let current = currentTaskIndex().map { plan.tasks[$0].id }
        return ExecutionUpdate(
            executionId: id, timestamp: clock.date(at: clock.now()), status: status, progress: progress(),
            currentTask: current, metrics: metrics(), events: events, messages: messages)
    }

    /// Sends new events and messages to every monitor (nothing to do, and no cost, without monitors).
    func publish(events: [ExecutionEvent], messages: [ExecutionMessage]) {
        guard !monitors.isEmpty else { return }
        let snapshot = update(events: events, messages: messages)
        for channel in monitors.values { channel.send(snapshot) }
    }

    /// A new live stream of updates, starting with the current snapshot (with the whole timeline so far).
    func makeMonitor() -> ExecutionUpdates {
        let channel = UpdateChannel()
        if monitors.isEmpty {
            runningOrder = Deque(
                runningSince.enumerated().compactMap { index, since in since.map { (index, $0) } }
                    .sorted { $0.1 < $1.1 })
        }
        // Only what is committed: a monitor never sees an event a crash could still lose.
        let snapshot = update(
            events: Array(timeline[..<committedEvents]), messages: Array(messages[..<committedMessages]))
        if status.isFinal && completedAt != nil && !finalPending {
            channel.send(snapshot, final: true)
        } else {
            channel.send(snapshot)
            monitors[ObjectIdentifier(channel)] = channel
        }
        return ExecutionUpdates(channel: channel)
    }
}
