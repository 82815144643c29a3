/// A barrier that tasks wait at until a test opens it; waiting ignores cancellation on purpose,
/// to stand for code that does not cooperate.
public actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Creates a closed gate.
    public init() {}

    /// Suspends until the gate is open.
    public func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// The number of tasks waiting.
    public var waiting: Int { waiters.count }

    /// Opens the gate and lets every waiter through.
    public func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
