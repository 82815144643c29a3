import Synchronization

/// The recovery strategies of an engine, in registration order; safe to change while executions run.
///
/// A failure asks the strategies that apply to its code in the order they were added; a strategy
/// added again under the same id replaces the old one in place.
public final class RecoveryRegistry: Sendable {
    private let strategies = Mutex<[any RecoveryStrategy]>([])

    /// Creates an empty registry.
    public init() {}

    /// Adds a strategy, or replaces the one with the same id.
    public func add(_ strategy: any RecoveryStrategy) {
        strategies.withLock { list in
            if let index = list.firstIndex(where: { $0.id == strategy.id }) {
                list[index] = strategy
            } else {
                list.append(strategy)
            }
        }
    }

    /// Replaces, in one step, the strategies with the given ids by `strategies` (appended in their
    /// order): a failure at that moment sees either the old set or the new one, never a mix.
    public func replace(_ ids: Set<String>, with strategies: [any RecoveryStrategy]) {
        self.strategies.withLock { list in
            list.removeAll { ids.contains($0.id) }
            list.append(contentsOf: strategies)
        }
    }

    /// Removes the strategy with `id`, if any.
    public func remove(id: String) {
        strategies.withLock { $0.removeAll { $0.id == id } }
    }

    /// The strategies that handle `code`, in order, as registered right now.
    public func strategies(for code: String) -> [any RecoveryStrategy] {
        strategies.withLock { $0.filter { $0.applies(to: code) } }
    }

    /// Every registered strategy, in order.
    public var all: [any RecoveryStrategy] { strategies.withLock { $0 } }
}
