public import TideCore

extension DefaultExecutionEngine {
    /// Compiles a recovery strategy written in Lua and registers it, replacing the one with the
    /// same id in place — the Swift side of hot swap.
    ///
    /// The text is compiled and checked in a fresh environment first; if it is broken, this throws
    /// and the strategy registered before stays in force. Each successful call for an id gets the
    /// next version number (recovery events name it). A call in flight finishes on its version.
    ///
    /// ```swift
    /// try await engine.addRecoveryStrategy(luaSource: """
    ///     return { id = "retry", applicableErrors = { "FLAKY" },
    ///              execute = function(context) return { action = "RETRY", message = "again" } end }
    ///     """)
    /// ```
    ///
    /// - Parameters:
    ///   - luaSource: The strategy file's text.
    ///   - name: The name its errors are placed in (`retry.lua@2:12`).
    ///   - scripts: The state to run it on; a new one (on this engine) by default.
    /// - Returns: The strategy now in force.
    /// - Throws: ``LuaScriptFailure`` naming the line and what is wrong.
    @discardableResult
    public nonisolated func addRecoveryStrategy(
        luaSource: String, name: String = "strategy.lua", scripts: LuaScripts? = nil
    ) async throws -> LuaRecoveryStrategy {
        let host: LuaScripts
        if let scripts { host = scripts } else { host = try await LuaScripts(engine: self) }
        let previous =
            recoveryStrategies.all.compactMap { $0 as? LuaRecoveryStrategy }
            .filter { $0.file == name }.compactMap { $0.version.flatMap(Int.init) }.max() ?? 0
        let strategy = try await LuaRecoveryStrategy.load(
            source: luaSource, file: name, version: previous + 1, scripts: host)
        recoveryStrategies.add(strategy)
        return strategy
    }
}
