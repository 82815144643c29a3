import Foundation
public import Lua
public import TideCore

/// Reads the `limits` table of plans, strategies and handlers, and `--limit NAME=VALUE`.
///
/// Sizes are bytes (`65536`) or text with a unit (`"64KiB"`, `"16 MiB"`, `"1GiB"`, `"500KB"`:
/// `KiB`/`MiB`/`GiB` count by 1024, `KB`/`MB`/`GB` by 1000); times are seconds or duration text
/// (`"500ms"`, `"30s"`); counts are whole numbers. `memory`, `runTime` and `instructions` can be
/// switched off with `false` (or `none` on the command line).
public enum LimitsReader {
    /// The units a size may be written with, in bytes.
    private static let sizeUnits: [String: Double] = [
        "": 1, "b": 1, "byte": 1, "bytes": 1, "k": 1024, "kib": 1024, "kb": 1000, "m": 1_048_576, "mib": 1_048_576,
        "mb": 1e6, "g": 1_073_741_824, "gib": 1_073_741_824, "gb": 1e9,
    ]

    /// The limit a name stands for, or a sentence that says which names exist.
    public static func name(_ text: String) -> Result<ExecutionLimits.Name, LimitError> {
        if let name = ExecutionLimits.Name(rawValue: text) { return .success(name) }
        let names = ExecutionLimits.Name.allCases.map(\.rawValue)
        let hint = closestMatch(to: text, among: names).map { " (did you mean '\($0)'?)" } ?? ""
        return .failure(
            LimitError("there is no limit '\(text)'\(hint); the limits are \(names.joined(separator: ", "))"))
    }

    /// The value of limit `name` written as `value`.
    public static func setting(_ value: LuaValue, for name: ExecutionLimits.Name) -> Result<
        ExecutionLimits.Setting, LimitError
    > {
        if name.canBeOff, value == .boolean(false) || value.stringValue == "none" || value.stringValue == "false" {
            return .success(.off)
        }
        if name == .taskMemory, value.stringValue == "auto" { return .success(.automatic) }
        let problem: String
        switch name.kind {
        case .bytes:
            if let bytes = bytes(value) {
                let least = name == .memory || name == .taskMemory ? 1 << 20 : 0
                if bytes >= least { return .success(.amount(bytes)) }
                problem = "must be at least \(least.byteCountText)"
            } else {
                problem = #"must be a size: bytes (65536) or text with a unit ("64KiB", "16MiB", "1GiB")"#
            }
        case .count:
            let least = name == .instructions ? 1 : 0
            if let count = value.intValue ?? value.stringValue.flatMap({ Int($0) }), count >= least {
                return .success(.amount(count))
            }
            problem = "must be a whole number of at least \(least)"
        case .duration:
            switch DurationText.parse(value) {
            case .success(let duration) where duration > .zero: return .success(.time(duration))
            case .success: problem = "must be longer than 0"
            case .failure(let error): problem = "must be a time: \(error.description)"
            }
        }
        let off =
            name.canBeOff
            ? " (or false, none on the command line, for none)" : name == .taskMemory ? #" (or "auto")"# : ""
        return .failure(LimitError("limit \(name.rawValue) \(problem)\(off), got \(shown(value))"))
    }

    /// Reads a `limits = { … }` table into `limits`; returns a sentence for each mistake.
    ///
    /// - Parameter allowed: The limits this kind of script may set; others are mistakes that say so.
    public static func read(
        _ value: LuaValue, into limits: inout ExecutionLimits,
        allowed: Set<ExecutionLimits.Name> = Set(
            ExecutionLimits.Name.allCases), what: String = "the plan"
    ) -> [String] {
        guard case .map(let fields) = value else {
            if case .array(let list) = value, list.isEmpty { return [] }
            let what = value.typeName == "table" ? "a list" : "a \(value.typeName)"
            return ["limits must be a table of named limits { maxEvents = 1000, memory = \"64MiB\", … }, got \(what)"]
        }
        var problems: [String] = []
        for (key, entry) in fields.sorted(by: { $0.key.description < $1.key.description }) {
            guard let text = key.stringValue else {
                problems.append("limits has a key \(key) that is not a limit's name")
                continue
            }
            switch name(text) {
            case .failure(let error): problems.append("limits: \(error.description)")
            case .success(let limit) where !allowed.contains(limit):
                let names = ExecutionLimits.Name.allCases.filter(allowed.contains).map(\.rawValue)
                problems.append(
                    "limits: \(limit.rawValue) does not apply to \(what) (it may set \(names.joined(separator: ", ")))")
            case .success(let limit):
                switch setting(entry, for: limit) {
                case .success(let setting): limits[limit] = setting
                case .failure(let error): problems.append(error.description)
                }
            }
        }
        return problems
    }

    /// The run budget of a strategy's or handler's calls: `base` with what the file's
    /// `limits = { runTime = …, instructions = … }` says; returns a sentence for each mistake.
    /// A file may only lower them: the scripts' state's budget is the operator's cap on every call.
    static func scriptBudget(_ value: LuaValue?, base: LuaRunBudget, what: String) -> (LuaRunBudget, [String]) {
        guard let value else { return (base, []) }
        var limits = ExecutionLimits.default
        limits.runTime = base.time
        limits.instructions = base.instructions
        var problems = read(value, into: &limits, allowed: [.runTime, .instructions], what: what)
        if let cap = base.time, (limits.runTime ?? .seconds(1e9)) > cap {
            problems.append("limits: runTime of \(what) may only be lower than the scripts' own limit of \(cap)")
            limits.runTime = cap
        }
        if let cap = base.instructions, (limits.instructions ?? .max) > cap {
            problems.append("limits: instructions of \(what) may only be lower than the scripts' own limit of \(cap)")
            limits.instructions = cap
        }
        return (LuaRunBudget(time: limits.runTime, instructions: limits.instructions), problems)
    }

    /// Reads `NAME=VALUE` from the command line (`maxEvents=1000`, `memory=64MiB`, `runTime=none`).
    public static func commandLine(_ text: String) -> Result<
        (ExecutionLimits.Name, ExecutionLimits.Setting), LimitError
    > {
        guard let equals = text.firstIndex(of: "=") else {
            return .failure(LimitError("--limit takes NAME=VALUE (maxEvents=1000, memory=64MiB), got '\(text)'"))
        }
        let key = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        let raw = String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        let value: LuaValue
        if let integer = Int(raw) {
            value = .integer(integer)
        } else if let number = Double(raw), number.isFinite {
            value = .number(number)
        } else {
            value = .string(LuaString(raw))
        }
        switch name(key) {
        case .failure(let error): return .failure(error)
        case .success(let limit): return setting(value, for: limit).map { (limit, $0) }
        }
    }

    /// A size in bytes, from a number or text with a unit.
    static func bytes(_ value: LuaValue) -> Int? {
        switch value {
        case .integer(let count): return count
        case .number(let number) where number.isFinite && number == number.rounded(): return Int(exactly: number)
        case .string(let text):
            let trimmed = text.description.trimmingCharacters(in: .whitespaces)
            let digits = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
            guard let amount = Double(digits), let scale = sizeUnits[unit] else { return nil }
            let bytes = (amount * scale).rounded()
            return bytes < 9e18 ? Int(bytes) : nil
        default: return nil
        }
    }

    private static func shown(_ value: LuaValue) -> String {
        if case .string(let text) = value { return "\"\(text.description.prefix(80))\"" }
        return value.typeName == "table" ? "a table" : value.description
    }
}

/// A mistake in a limit, as a sentence.
public struct LimitError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and what to write instead.
    public let description: String

    init(_ description: String) { self.description = description }
}

extension ExecutionLimits {
    /// These limits with `overrides` put on top (the command line's `--limit` over the plan's table).
    public func overridden(by overrides: [ExecutionLimits.Name: ExecutionLimits.Setting]) -> ExecutionLimits {
        var limits = self
        for (name, setting) in overrides { limits[name] = setting }
        return limits
    }

    /// The Lua state limits these put in force: `base` with the memory cap and the run budget.
    public func luaLimits(from base: LuaLimits) -> LuaLimits {
        var limits = base
        limits.memory = memory
        limits.runTime = runTime
        limits.instructions = instructions
        limits.slice = slice
        limits.holdTime = holdTime
        return limits
    }
}
