import Synchronization

/// Allocates resources from the engine's pools: all or nothing, by priority, without starvation.
///
/// **Granting rule.** A request is granted whole or not at all; nothing is held while waiting, so
/// waiting can never deadlock. Waiting requests are served in order of *effective priority*
/// (their priority, plus one for every ``agingInterval`` they have waited, up to 10), then of
/// arrival. The queue is served from its head only: a request that does not fit yet blocks those
/// behind it, so a large request is never overtaken forever by a stream of small ones, and aging
/// keeps a stream of high-priority requests from starving a low-priority one.
///
/// A request that can never be met — a type no pool provides, more than a matching pool's whole
/// capacity, constraints no pool satisfies — fails at once with `RESOURCE_UNAVAILABLE`. A waiting
/// request can have a timeout and is withdrawn when its task is cancelled.
public final class ResourceManager: Sendable {
    private struct Holding {
        var resource: Resource
        var pool: Int
        var since: Duration
    }

    private struct Waiter {
        var id: Int
        var requirements: [ResourceRequirement]
        var priority: Int
        var arrival: Duration
        var taskId: String?
        var continuation: CheckedContinuation<[Resource], any Error>
    }

    private struct State {
        var used: [Double]
        var holdings: [String: Holding] = [:]
        var waiters: [Waiter] = []
        var nextId = 0
        /// Requests made but not yet granted or failed.
        var open: Set<Int> = []
        /// Failures for open requests that were withdrawn before they were queued.
        var withdrawn: [Int: any Error] = [:]
    }

    /// The pools, in configuration order (a requirement takes the first that matches and has room).
    public let pools: [ResourcePool]
    /// Waiting this long raises a request's effective priority by one.
    public let agingInterval: Duration
    private let clock: EngineClock
    private let state: Mutex<State>

    /// Creates a manager of `pools`.
    public init(pools: [ResourcePool], clock: EngineClock, agingInterval: Duration = .seconds(10)) {
        self.pools = pools
        self.clock = clock
        self.agingInterval = agingInterval
        self.state = Mutex(State(used: [Double](repeating: 0, count: pools.count)))
    }

    /// Allocates every requirement, waiting as long as needed (or `timeout`).
    ///
    /// - Throws: ``TideError`` `RESOURCE_UNAVAILABLE` when the request can never be met or the
    ///   timeout passed, `INVALID_RESOURCE_REQUEST` for an unknown constraint or a negative
    ///   amount; `CancellationError` when the calling task is cancelled while waiting.
    public func allocate(_ requirements: [ResourceRequirement], taskId: String? = nil, timeout: Duration? = nil)
        async throws -> [Resource]
    {
        try validate(requirements)
        if requirements.isEmpty { return [] }
        let id = state.withLock { state -> Int in
            state.nextId += 1
            state.open.insert(state.nextId)
            return state.nextId
        }
        guard let timeout else { return try await wait(id, requirements, taskId: taskId) }
        return try await withThrowingTaskGroup(of: [Resource]?.self) { group in
            group.addTask { try await self.wait(id, requirements, taskId: taskId) }
            group.addTask {
                try await self.clock.sleep(for: timeout)
                self.withdraw(
                    id, because: TideError(.resourceUnavailable, "no resources became free within \(timeout)"))
                return nil
            }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let granted = result { return granted }
            }
            throw CancellationError()
        }
    }

    /// Releases allocations and returns their usage records; unknown ids are ignored.
    ///
    /// - Parameter busy: For each id, how long its holder was busy while holding it (efficiency);
    ///   the whole hold when absent.
    @discardableResult
    public func release(_ ids: [String], busy: [String: Duration] = [:]) -> [ResourceUsage] {
        let now = clock.now()
        let (usages, granted) = state.withLock {
            state -> ([ResourceUsage], [(CheckedContinuation<[Resource], any Error>, [Resource])]) in
            var usages: [ResourceUsage] = []
            for id in ids {
                guard let holding = state.holdings.removeValue(forKey: id) else { continue }
                state.used[holding.pool] -= holding.resource.amount
                usages.append(usage(of: holding, until: now, busy: busy[id]))
            }
            return (usages, serve(&state, now: now))
        }
        for (continuation, resources) in granted { continuation.resume(returning: resources) }
        return usages
    }

    /// Whether every id names a current allocation.
    public func holds(_ ids: [String]) -> Bool {
        state.withLock { state in ids.allSatisfy { state.holdings[$0] != nil } }
    }

    /// The usage so far of allocations still held (cost up to now, no end time).
    public func ongoingUsage(_ ids: [String]) -> [ResourceUsage] {
        let now = clock.now()
        return state.withLock { state in
            ids.compactMap { state.holdings[$0].map { usage(of: $0, until: now, busy: nil, ended: false) } }
        }
    }

    /// In-use amount over capacity for a resource type (0 when no pool provides it).
    public func utilization(of type: String) -> Double {
        state.withLock { state in
            var used = 0.0
            var capacity = 0.0
            for (index, pool) in pools.enumerated() where pool.type == type {
                used += state.used[index]
                capacity += pool.capacity
            }
            return capacity > 0 ? used / capacity : 0
        }
    }

    /// The number of requests waiting.
    public var waitingCount: Int { state.withLock { $0.waiters.count } }

    // MARK: - Internals

    private func validate(_ requirements: [ResourceRequirement]) throws {
        for requirement in requirements {
            guard requirement.amount.isFinite, requirement.amount >= 0 else {
                throw TideError(
                    .invalidResourceRequest,
                    "cannot request \(requirement.amount) of '\(requirement.type)': amounts must be zero or more")
            }
            let ofType = pools.filter { $0.type == requirement.type }
            guard !ofType.isEmpty else {
                let types = Set(pools.map(\.type)).sorted().joined(separator: ", ")
                throw TideError(
                    .resourceUnavailable,
                    "no pool provides '\(requirement.type)': configure a ResourcePool of that type"
                        + (types.isEmpty ? " (the engine has no pools)" : " (pools: \(types))"))
            }
            let constraints = requirement.constraints ?? [:]
            let answers = ofType.map { $0.satisfies(constraints) }
            if answers.allSatisfy({ $0 == nil }) {
                let keys = constraints.keys.sorted().joined(separator: ", ")
                let attributes = Set(ofType.flatMap(\.attributes.keys)).sorted().joined(separator: ", ")
                throw TideError(
                    .invalidResourceRequest,
                    "unknown constraint in {\(keys)} for '\(requirement.type)': no pool has such an attribute "
                        + "(attributes: \(attributes.isEmpty ? "none" : attributes); use minX, maxX, xRequired or a name)"
                )
            }
            let fitting = zip(ofType, answers).filter { $0.1 == true }.map(\.0)
            guard !fitting.isEmpty else {
                throw TideError(.resourceUnavailable, "no '\(requirement.type)' pool satisfies \(constraints)")
            }
            guard fitting.contains(where: { $0.capacity >= requirement.amount }) else {
                let largest = fitting.map(\.capacity).max() ?? 0
                throw TideError(
                    .resourceUnavailable,
                    "'\(requirement.type)' request for \(requirement.amount) exceeds the largest matching pool (\(largest))"
                )
            }
        }
    }

    private func wait(_ id: Int, _ requirements: [ResourceRequirement], taskId: String?) async throws -> [Resource] {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[Resource], any Error>) in
                let now = clock.now()
                let (granted, failure): ([(CheckedContinuation<[Resource], any Error>, [Resource])], (any Error)?) =
                    state.withLock { state in
                        if let error = state.withdrawn.removeValue(forKey: id) {
                            state.open.remove(id)
                            return ([], error)
                        }
                        state.waiters.append(
                            Waiter(
                                id: id, requirements: requirements,
                                priority: requirements.map(\.priority).max() ?? 5, arrival: now, taskId: taskId,
                                continuation: continuation))
                        return (serve(&state, now: now), nil)
                    }
                if let failure { continuation.resume(throwing: failure) }
                for (waiting, resources) in granted { waiting.resume(returning: resources) }
            }
        } onCancel: {
            withdraw(id, because: CancellationError())
        }
    }

    /// Removes a waiting request and fails it; remembers the reason if it is not queued yet.
    private func withdraw(_ id: Int, because error: any Error) {
        let (removed, granted) = state.withLock {
            state -> (Waiter?, [(CheckedContinuation<[Resource], any Error>, [Resource])]) in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                // Not queued yet: fail it when it arrives. Already granted or failed: nothing to do.
                if state.open.contains(id) { state.withdrawn[id] = error }
                return (nil, [])
            }
            let waiter = state.waiters.remove(at: index)
            state.open.remove(id)
            return (waiter, serve(&state, now: clock.now()))  // a blocked head may have been the obstacle
        }
        removed?.continuation.resume(throwing: error)
        for (continuation, resources) in granted { continuation.resume(returning: resources) }
    }

    /// Grants waiting requests from the head of the queue while they fit. Called under the lock;
    /// returns the continuations to resume once it is released.
    private func serve(_ state: inout State, now: Duration) -> [(
        CheckedContinuation<[Resource], any Error>, [Resource]
    )] {
        guard !state.waiters.isEmpty else { return [] }
        state.waiters.sort { lhs, rhs in
            let left = effectivePriority(lhs, now: now)
            let right = effectivePriority(rhs, now: now)
            return left != right ? left > right : lhs.id < rhs.id
        }
        var granted: [(CheckedContinuation<[Resource], any Error>, [Resource])] = []
        while let head = state.waiters.first, let placement = place(head.requirements, used: state.used) {
            state.waiters.removeFirst()
            state.open.remove(head.id)
            var resources: [Resource] = []
            for (requirement, pool) in zip(head.requirements, placement) {
                state.nextId += 1
                let resource = Resource(
                    id: "\(pools[pool].id)-\(state.nextId)", type: requirement.type, amount: requirement.amount,
                    allocatedAt: clock.date(at: now), taskId: head.taskId, attributes: pools[pool].attributes)
                state.used[pool] += requirement.amount
                state.holdings[resource.id] = Holding(resource: resource, pool: pool, since: now)
                resources.append(resource)
            }
            granted.append((head.continuation, resources))
        }
        return granted
    }

    private func effectivePriority(_ waiter: Waiter, now: Duration) -> Int {
        let waited = now - waiter.arrival
        let steps = agingInterval > .zero ? Int(waited / agingInterval) : 0
        return min(10, waiter.priority + steps)
    }

    /// The pool of each requirement, if all fit at once.
    private func place(_ requirements: [ResourceRequirement], used: [Double]) -> [Int]? {
        var used = used
        var placement: [Int] = []
        for requirement in requirements {
            let constraints = requirement.constraints ?? [:]
            guard
                let pool = pools.indices.first(where: { index in
                    pools[index].type == requirement.type && pools[index].satisfies(constraints) == true
                        && pools[index].capacity - used[index] >= requirement.amount
                })
            else { return nil }
            used[pool] += requirement.amount
            placement.append(pool)
        }
        return placement
    }

    private func usage(of holding: Holding, until now: Duration, busy: Duration?, ended: Bool = true) -> ResourceUsage {
        let held = now - holding.since
        let pool = pools[holding.pool]
        let efficiency = held > .zero ? min(1, max(0, (busy ?? held).seconds / held.seconds)) : 1
        return ResourceUsage(
            resourceId: holding.resource.id, resourceType: holding.resource.type, amountUsed: holding.resource.amount,
            cost: holding.resource.amount * pool.costPerUnitSecond * held.seconds,
            startTime: holding.resource.allocatedAt, endTime: ended ? clock.date(at: now) : nil, efficiency: efficiency)
    }
}
