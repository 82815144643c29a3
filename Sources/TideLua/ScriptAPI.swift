import Foundation
import Lua
import TideCore

/// The host functions of ``LuaScripts``: the `tide` table strategies and alert handlers see.
struct ScriptAPI {
    unowned let lua: LuaState
    let engine: DefaultExecutionEngine
    let clock: EngineClock
    let log: (@Sendable (MessageLevel, String) -> Void)?

    func table() -> LuaValue {
        var logs: [LuaValue: LuaValue] = [:]
        for level in MessageLevel.allCases {
            logs[.string(LuaString(level.luaName))] = .function(logFunction(level))
        }
        return [
            "log": .map(logs),
            "emit": .function(emit()),
            "sleep": .function(sleep()),
            "now": .function(now()),
            "pause": .function(control("tide.pause") { try await $0.pause($1) }),
            "resume": .function(control("tide.resume") { try await $0.resume($1) }),
            "cancel": .function(control("tide.cancel") { try await $0.cancel($1) }),
            "setConcurrency": .function(setConcurrency()),
        ]
    }

    /// `print(…)`: INFO messages.
    func print() -> LuaReference {
        let write = writer()
        return lua.makeAsyncFunction(named: "print") { frame in
            let text = try frame.arguments().map { value in
                if case .string(let s) = value { return s.description }
                return value.typeName == "table" || value.typeName == "function" ? value.typeName : value.description
            }.joined(separator: "\t")
            let executionId = (frame.runContext as? ScriptScope)?.executionId
            return {
                await write(executionId, .info, text)
                return []
            }
        }
    }

    private func writer() -> @Sendable (String?, MessageLevel, String) async -> Void {
        let engine = self.engine
        let log = self.log
        let cutter = ScriptQuotas(limits: .default)
        return { executionId, level, text in
            if let executionId, (try? await engine.log(executionId, level, text)) != nil { return }
            log?(level, cutter.cut(text))
        }
    }

    private func logFunction(_ level: MessageLevel) -> LuaReference {
        let write = writer()
        return lua.makeAsyncFunction(named: "tide.log.\(level.luaName)") { frame in
            var text: String
            switch try frame.value(1) {
            case .string(let s): text = s.description
            case .integer, .number: text = try frame.value(1).description
            default: throw frame.argumentError(1, "string expected, got \(frame.typeName(1))")
            }
            if frame.argumentCount >= 2 {
                let context = try DataConversion.json(frame.value(2, bound: Self.dataBound("context")), path: "context")
                if context != .null, case .object(let fields) = context, !fields.isEmpty {
                    text +=
                        " "
                        + fields.keys.sorted().map { "\($0)=\(fields[$0].map(Self.describe) ?? "")" }
                        .joined(separator: " ")
                }
            }
            let executionId = (frame.runContext as? ScriptScope)?.executionId
            let message = text
            return {
                await write(executionId, level, message)
                return []
            }
        }
    }

    /// How event data and message context of scripts are bounded (``ExecutionLimits/maxEventDataBytes``).
    private static func dataBound(_ name: String) -> LuaValueBound {
        LuaValueBound(
            name: name, maxBytes: ExecutionLimits.default.maxEventDataBytes, limitName: "maxEventDataBytes")
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        case .null: "null"
        default: "…"
        }
    }

    private func emit() -> LuaReference {
        let engine = self.engine
        return lua.makeAsyncFunction(named: "tide.emit") { frame in
            let description = try frame.string(1)
            let data =
                frame.argumentCount >= 2
                ? try DataConversion.json(frame.value(2, bound: Self.dataBound("data")), path: "data") : nil
            guard let executionId = (frame.runContext as? ScriptScope)?.executionId else {
                throw LuaError(.scriptError, "tide.emit needs an execution: this call concerns none")
            }
            return {
                try await engineCall {
                    try await engine.emit(executionId, description, data: data == .null ? nil : data)
                }
                return []
            }
        }
    }

    private func sleep() -> LuaReference {
        let clock = self.clock
        return lua.makeAsyncFunction(named: "tide.sleep") { frame in
            let duration: Duration
            switch DurationText.parse(try frame.value(1)) {
            case .success(let parsed): duration = parsed
            case .failure(let error): throw frame.argumentError(1, error.description)
            }
            return {
                try await clock.sleep(for: duration)
                return []
            }
        }
    }

    /// `tide.now()`: the engine clock's time in seconds since 1970 (a manual clock in tests).
    private func now() -> LuaReference {
        let clock = self.clock
        return lua.makeFunction(named: "tide.now") { frame in
            frame.push(number: clock.date(at: clock.now()).timeIntervalSince1970)
            return 1
        }
    }

    private func control(
        _ name: String, _ action: @escaping @Sendable (DefaultExecutionEngine, String) async throws -> Void
    ) -> LuaReference {
        let engine = self.engine
        return lua.makeAsyncFunction(named: name) { frame in
            let executionId = try frame.string(1)
            return {
                try await engineCall { try await action(engine, executionId) }
                return []
            }
        }
    }

    private func setConcurrency() -> LuaReference {
        let engine = self.engine
        return lua.makeAsyncFunction(named: "tide.setConcurrency") { frame in
            let executionId = try frame.string(1)
            let limit = try frame.integer(2)
            guard limit >= 1 else { throw frame.argumentError(2, "a concurrency of at least 1 expected, got \(limit)") }
            return {
                try await engineCall { try await engine.setConcurrency(executionId, limit) }
                return []
            }
        }
    }
}
