import Synchronization
public import TideCore

/// An ``ExecutionJournal`` that keeps the batches it is given, for tests: it can hold commits back
/// until released, and fail them.
public final class RecordingJournal: ExecutionJournal {
    private struct State {
        var batches: [JournalBatch] = []
        var held = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var failure: (any Error)?
        var commitsStarted = 0
    }

    private let state = Mutex(State())

    /// A journal that commits at once.
    public init() {}

    /// The committed batches, in order.
    public var batches: [JournalBatch] { state.withLock { $0.batches } }

    /// Commits begun (held ones included).
    public var commitsStarted: Int { state.withLock { $0.commitsStarted } }

    /// Holds every commit from now on until ``release()``.
    public func hold() { state.withLock { $0.held = true } }

    /// Lets held commits (and later ones) through.
    public func release() {
        let waiting = state.withLock { state in
            state.held = false
            defer { state.waiting.removeAll() }
            return state.waiting
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Makes every later commit throw `error`.
    public func fail(with error: any Error) { state.withLock { $0.failure = error } }

    /// Records the batch, after waiting while commits are held.
    public func commit(_ batch: JournalBatch) async throws {
        let mustWait = state.withLock { state in
            state.commitsStarted += 1
            return state.held
        }
        if mustWait {
            await withCheckedContinuation { continuation in
                let stillHeld = state.withLock { state in
                    if state.held { state.waiting.append(continuation) }
                    return state.held
                }
                if !stillHeld { continuation.resume() }
            }
        }
        if let failure = state.withLock({ $0.failure }) { throw failure }
        state.withLock { $0.batches.append(batch) }
    }

    /// Waits (a bounded number of yields) until `count` commits have begun.
    public func waitForCommits(_ count: Int, spins: Int = 2_000_000) async -> Bool {
        for _ in 0..<spins {
            if commitsStarted >= count { return true }
            await Task.yield()
        }
        return false
    }
}
