import Synchronization

/// A handle to a Lua function, coroutine, userdata or table kept alive in one state's registry.
///
/// References are how Swift holds on to things that cannot be copied out of Lua: a task's `run`
/// function, a sandbox's environment table. A reference belongs to the ``LuaState`` that made it
/// and can be used only with that state. It is `Sendable`, so it can be stored anywhere; when the
/// last copy goes away the registry slot is freed the next time the owning state is used (never
/// from the thread that dropped it, because a state is confined to its owner).
public final class LuaReference: Sendable, Hashable, CustomStringConvertible {
    /// The slot in the registry (`luaL_ref`).
    let slot: Int32
    /// The registry of the state that made the reference.
    let registry: LuaReferenceRegistry
    /// The Lua type name of the referenced value: "function", "thread", "userdata" or "table".
    public let typeName: String

    init(slot: Int32, registry: LuaReferenceRegistry, typeName: String) {
        self.slot = slot
        self.registry = registry
        self.typeName = typeName
    }

    deinit { registry.release(slot) }

    /// Whether two references are the same handle.
    public static func == (lhs: LuaReference, rhs: LuaReference) -> Bool { lhs === rhs }

    /// Hashes the handle's identity.
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }

    /// `function: ref 12`, for logs.
    public var description: String { "\(typeName): ref \(slot)" }
}

/// The registry slots of one state that Swift no longer references, waiting to be freed by the owner.
///
/// `LuaReference.deinit` may run on any thread, but only the state's owner may touch the state, so
/// released slots are queued here under a mutex and freed by ``LuaState`` at its next entry point.
final class LuaReferenceRegistry: Sendable {
    private let released = Mutex<[Int32]>([])
    private let hasReleased = Atomic<Bool>(false)

    func release(_ slot: Int32) {
        released.withLock { $0.append(slot) }
        hasReleased.store(true, ordering: .releasing)
    }

    /// The slots released since the last call, or an empty array (fast when there are none).
    func takeReleased() -> [Int32] {
        guard hasReleased.load(ordering: .acquiring) else { return [] }
        return released.withLock { slots in
            hasReleased.store(false, ordering: .relaxed)
            defer { slots.removeAll(keepingCapacity: true) }
            return slots
        }
    }
}
