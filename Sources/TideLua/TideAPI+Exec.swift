import Lua
import TideCore

/// `tide.exec`: running a child process from a task.
extension TideAPI {
    func exec() -> LuaReference {
        let runner = options.processes
        return lua.makeAsyncFunction(named: "tide.exec") { [self] frame in
            var (asked, check) = try Self.processRequest(frame)
            if let task = (frame.runContext as? LuaTaskScope)?.context {
                // What the next tide looks for to kill what an attempt left running (ChildSweep).
                asked.environment[ChildProcess.executionVariable] = task.executionId
                asked.environment[ChildProcess.attemptVariable] = task.attemptId
                asked.started = { await task.childStarted($0) }
                asked.ended = { await task.childEnded($0) }
            }
            let request = asked
            let checked = check
            let commandLine = ([request.command] + request.arguments).joined(separator: " ")
            return try savingState(frame) {
                let outcome: ProcessOutcome
                do {
                    outcome = try await runner.run(request)
                } catch let error as ProcessError {
                    throw LuaError(
                        LuaError.Code(rawValue: error.code), error.message, recoverable: false,
                        context: ["command": .string(LuaString(commandLine))])
                }
                let result = Self.lua(outcome)
                if outcome.timedOut {
                    throw LuaError(
                        "PROCESS_TIMEOUT",
                        "'\(commandLine)' did not finish within \(request.timeout.map { "\($0)" } ?? "?") and was killed",
                        recoverable: true, context: result)
                }
                if checked && outcome.code != 0 {
                    let tail = String(decoding: outcome.stderr.suffix(500), as: UTF8.self)
                    throw LuaError(
                        "PROCESS_FAILED",
                        "'\(commandLine)' exited with code \(outcome.code)" + (tail.isEmpty ? "" : ": \(tail)"),
                        recoverable: false, context: result)
                }
                return [result]
            }
        }
    }

    static func lua(_ outcome: ProcessOutcome) -> LuaValue {
        var fields: [LuaValue: LuaValue] = [
            "code": .integer(outcome.code),
            "ok": .boolean(outcome.code == 0),
            "stdout": .string(LuaString(bytes: outcome.stdout)),
            "stderr": .string(LuaString(bytes: outcome.stderr)),
            "truncated": .boolean(outcome.truncated),
            "timedOut": .boolean(outcome.timedOut),
            "stdinClosed": .boolean(outcome.stdinClosed),
        ]
        if let signal = outcome.signal { fields["signal"] = .integer(signal) }
        return .map(fields)
    }

    /// Reads `tide.exec { "cmd", "arg", …, timeout = "30s", stdin = "…", env = {…}, cwd = "…", check = true }`.
    static func processRequest(_ frame: LuaCallFrame) throws(LuaError) -> (ProcessRequest, Bool) {
        let usage =
            #"{ "command", "arg", …, timeout = "30s", stdin = "…", env = { NAME = "value" }, cwd = "dir", check = true }"#
        let spec = try frame.value(1)
        guard let fields = spec.mapValue else {
            throw frame.argumentError(1, "a table \(usage) expected, got \(frame.typeName(1))")
        }
        var argv: [String] = []
        var index = 1
        while let word = fields[.integer(index)] {
            switch word {
            case .string(let text): argv.append(text.description)
            case .integer, .number: argv.append(word.description)
            default:
                throw frame.argumentError(
                    1, "argument \(index) is a \(word.typeName); the command and its arguments must be strings")
            }
            index += 1
        }
        guard let command = argv.first, !command.isEmpty else {
            throw frame.argumentError(1, "no command: write \(usage)")
        }
        let known: Set<String> = ["timeout", "stdin", "env", "cwd", "check"]
        for key in fields.keys {
            if case .integer(let position) = key, position >= 1, position < index { continue }
            guard let name = key.stringValue, known.contains(name) else {
                throw frame.argumentError(1, "unknown field \(key): write \(usage)")
            }
        }
        var request = ProcessRequest(command: command, arguments: Array(argv.dropFirst()))
        if let timeout = fields["timeout"] {
            switch DurationText.parse(timeout) {
            case .success(let duration): request.timeout = duration
            case .failure(let error): throw frame.argumentError(1, "timeout: \(error)")
            }
        }
        switch fields["stdin"] {
        case nil: break
        case .string(let text)?: request.stdin = text.bytes
        case let other?: throw frame.argumentError(1, "stdin must be a string, got a \(other.typeName)")
        }
        if let env = fields["env"] {
            guard let entries = env.mapValue else {
                throw frame.argumentError(1, "env must be a table { NAME = \"value\" }")
            }
            for (key, value) in entries {
                guard let name = key.stringValue, !name.isEmpty, !name.contains("=") else {
                    throw frame.argumentError(1, "env has a bad variable name \(key)")
                }
                switch value {
                case .string(let text): request.environment[name] = text.description
                case .integer, .number: request.environment[name] = value.description
                case .boolean(false): request.environment[name] = .some(nil)
                default: throw frame.argumentError(1, "env.\(name) must be a string (or false to unset it)")
                }
            }
        }
        switch fields["cwd"] {
        case nil: break
        case .string(let text)?: request.workingDirectory = text.description
        case let other?: throw frame.argumentError(1, "cwd must be a string, got a \(other.typeName)")
        }
        return (request, fields["check"]?.isTruthy ?? false)
    }
}
