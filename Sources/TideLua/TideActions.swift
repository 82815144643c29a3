public import TideCore

/// Swift functions a host application offers plan scripts as `tide.actions.<name>(…)`.
///
/// Arguments arrive as data (``JSONValue``); the result goes back to Lua the same way. A
/// synchronous action runs at the call, on the plan's Lua state, so it must be quick; an
/// asynchronous one suspends only the calling task's coroutine while it runs.
///
/// ```swift
/// var actions = TideActions()
/// actions.register("double") { call in .int((call.arguments.first?.intValue ?? 0) * 2) }
/// actions.registerAsync("fetch") { call in try await fetch(call.arguments[0].stringValue ?? "") }
/// ```
/// ```lua
/// local n = tide.actions.double(21)        -- 42
/// local body = tide.actions.fetch("https://…")
/// ```
///
/// A thrown ``ExecutionError`` reaches the script (and, uncaught, the task's failure) with its
/// code; any other error becomes `ACTION_ERROR`.
public struct TideActions: Sendable {
    /// One call of an action.
    public struct Call: Sendable {
        /// The arguments, converted from Lua.
        public var arguments: [JSONValue]
        /// The calling task, or `nil` while the plan file itself is being read.
        public var taskId: String?
        /// The calling task's execution, if any.
        public var executionId: String?
    }

    enum Body: Sendable {
        case sync(@Sendable (Call) throws -> JSONValue)
        case async(@Sendable (Call) async throws -> JSONValue)
    }

    private(set) var actions: [String: Body] = [:]

    /// No actions.
    public init() {}

    /// The names of the registered actions, sorted.
    public var names: [String] { actions.keys.sorted() }

    /// Registers a synchronous action, replacing one of the same name.
    ///
    /// - Parameters:
    ///   - name: The name scripts use: a Lua identifier.
    ///   - body: Runs at the call; must not block.
    public mutating func register(_ name: String, _ body: @escaping @Sendable (Call) throws -> JSONValue) {
        actions[name] = .sync(body)
    }

    /// Registers an asynchronous action, replacing one of the same name.
    public mutating func registerAsync(_ name: String, _ body: @escaping @Sendable (Call) async throws -> JSONValue) {
        actions[name] = .async(body)
    }
}
