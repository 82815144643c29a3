internal import DequeModule
import Foundation

extension Execution {
    /// The metrics as reported (see ``ExecutionMetrics`` for each definition).
    func metrics() -> ExecutionMetrics {
        metrics(of: reportedCounters())
    }

    private func metrics(of figures: ExecutionCounters) -> ExecutionMetrics {
        figures.metrics(at: clock.now(), date: clock.date(at:), ongoing: ongoingUsage())
    }

    /// Usage of every allocation the execution made, as reported: the released ones (for a journaled
    /// execution, those committed), then those still held, so far.
    func resourceUsage() -> [ResourceUsage] { resourceUsage(released: reportedCounters().releasedUsages) }

    private func resourceUsage(released: Int) -> [ResourceUsage] {
        let records = released < usages.count ? Array(usages.prefix(released)) : usages
        return holding.isEmpty ? records : records + ongoingUsage()
    }

    /// Usage so far of the allocations still held.
    func ongoingUsage() -> [ResourceUsage] {
        guard !holding.isEmpty else { return [] }
        return resources.ongoingUsage(holding.sorted().flatMap { records[$0].resources.map(\.id) })
    }

    /// Progress as reported.
    func progress() -> ExecutionProgress { reportedCounters().progress() }

    /// The execution's result as reported: final once the status is; for a journaled execution,
    /// its committed timeline and figures.
    func result() -> ExecutionResult {
        makeResult(counters: reportedCounters(), timeline: Array(timeline.committedEvents))
    }

    /// A result from the given figures and timeline.
    func makeResult(counters figures: ExecutionCounters, timeline events: [ExecutionEvent]) -> ExecutionResult {
        var sinkResults: [String: JSONValue] = [:]
        for index in sinks {
            if let result = records[index].result { sinkResults[plan.tasks[index].id] = result }
        }
        let start = figures.startedAt ?? clock.now()
        return ExecutionResult(
            executionId: id, planId: plan.id, status: figures.status, startedAt: clock.date(at: start),
            completedAt: figures.completedAt.map { clock.date(at: $0) }, result: .object(sinkResults),
            error: figures.status.isFinal ? error : nil, metrics: metrics(of: figures),
            resourceUsage: resourceUsage(released: figures.releasedUsages), timeline: events)
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
        // With monitors attached, runningOrder holds every running attempt: none runs.
        if !monitors.isEmpty { return nil }
        var best: (index: Int, since: Duration)?
        for (index, since) in runningSince.enumerated() {
            guard let since else { continue }
            if let current = best, current.since <= since { continue }
            best = (index, since)
        }
        return best?.index
    }

    /// The figures alert conditions read, as reported.
    func sample() -> ExecutionSample {
        let figures = reportedCounters()
        return ExecutionSample(
            status: figures.status, metrics: metrics(of: figures), progress: figures.progress(),
            runningTasks: figures.inFlight, queuedTasks: figures.queuedTasks)
    }

    /// A snapshot for monitors, with the reported figures.
    func update(events: [ExecutionEvent], messages: [ExecutionMessage]) -> ExecutionUpdate {
        let figures = reportedCounters()
        return ExecutionUpdate(
            executionId: id, timestamp: clock.date(at: clock.now()), status: figures.status,
            progress: figures.progress(), currentTask: figures.currentTask, metrics: metrics(of: figures),
            events: events, messages: messages)
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
        let snapshot = update(events: Array(timeline.committedEvents), messages: Array(timeline.committedMessages))
        if status.isFinal && counters.completedAt != nil && !pipeline.finalPending {
            channel.send(snapshot, final: true)
        } else {
            channel.send(snapshot)
            monitors[ObjectIdentifier(channel)] = channel
        }
        return ExecutionUpdates(channel: channel)
    }
}
