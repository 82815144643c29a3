import Synchronization

/// A live stream of an execution's updates (``DefaultExecutionEngine/monitor(_:)``).
///
/// A slow or stalled consumer never slows the engine and never makes it hold more than one update:
/// while the consumer has not taken the pending update, newer snapshots are merged into it (status,
/// progress and metrics replaced, events and messages appended, keeping the most recent
/// ``eventLimit``). The final update, with the final status, is always delivered; the sequence ends
/// after it.
///
/// ```swift
/// for await update in try await engine.monitor(executionId) {
///     print(update.progress.percentage, update.status)
/// }
/// ```
public struct ExecutionUpdates: AsyncSequence, Sendable {
    /// The element type.
    public typealias Element = ExecutionUpdate

    /// The most events and messages one pending update keeps; older ones are dropped.
    public static let eventLimit = 1000

    let channel: UpdateChannel

    /// An iterator over the updates.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let channel: UpdateChannel

        /// The next update, or `nil` after the final one.
        public mutating func next() async -> ExecutionUpdate? {
            await channel.next()
        }
    }

    /// Makes an iterator.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(channel: channel) }
}

/// A one-slot mailbox that merges updates the consumer has not taken yet.
final class UpdateChannel: Sendable {
    private struct State {
        var pending: ExecutionUpdate?
        var finished = false
        var waiter: CheckedContinuation<ExecutionUpdate?, Never>?
    }

    private let state = Mutex(State())

    /// Offers an update; merges it into the pending one if the consumer is behind.
    func send(_ update: ExecutionUpdate, final: Bool = false) {
        let waiter: CheckedContinuation<ExecutionUpdate?, Never>? = state.withLock { state in
            guard !state.finished else { return nil }
            if final { state.finished = true }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            if var pending = state.pending {
                pending.merge(update)
                state.pending = pending
            } else {
                state.pending = update
            }
            return nil
        }
        waiter?.resume(returning: update)
    }

    /// Ends the stream without a further update (the execution is gone).
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<ExecutionUpdate?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.pending == nil ? state.waiter : nil
        }
        waiter?.resume(returning: nil)
    }

    func next() async -> ExecutionUpdate? {
        await withCheckedContinuation { continuation in
            let ready: ExecutionUpdate?? = state.withLock { state in
                if let pending = state.pending {
                    state.pending = nil
                    return .some(pending)
                }
                if state.finished { return .some(nil) }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

extension ExecutionUpdate {
    /// Folds a newer snapshot into this one.
    mutating func merge(_ newer: ExecutionUpdate) {
        timestamp = newer.timestamp
        status = newer.status
        progress = newer.progress
        currentTask = newer.currentTask
        metrics = newer.metrics
        events.append(contentsOf: newer.events)
        messages.append(contentsOf: newer.messages)
        if events.count > ExecutionUpdates.eventLimit {
            events.removeFirst(events.count - ExecutionUpdates.eventLimit)
        }
        if messages.count > ExecutionUpdates.eventLimit {
            messages.removeFirst(messages.count - ExecutionUpdates.eventLimit)
        }
    }
}
