import ArgumentParser
import Foundation
import Tide

/// The options every command that reads a plan shares, and the reading itself.
struct PlanInput: ParsableArguments {
    @Argument(help: "The plan file (a Lua script that returns a plan).")
    var plan: String

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp(
            "Set an execution variable (repeatable); numbers, true, false and null are typed, the rest are strings.",
            valueName: "name=value"))
    var variables: [String] = []

    @Option(
        help: ArgumentHelp(
            "The folder of Lua modules plans require (default: found next to the tool).", valueName: "dir"))
    var stdlib: String?

    /// The `--var` values.
    func parsedVariables() throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for entry in variables {
            guard let equals = entry.firstIndex(of: "="), equals > entry.startIndex else {
                throw ValidationError("--var \(entry): write --var name=value")
            }
            result[String(entry[..<equals])] = Self.typed(String(entry[entry.index(after: equals)...]))
        }
        return result
    }

    /// A `--var` value: a JSON number, `true`, `false` or `null` as such, anything else as text.
    static func typed(_ text: String) -> JSONValue {
        switch text {
        case "true": return true
        case "false": return false
        case "null": return .null
        default:
            if let integer = Int(text) { return .int(integer) }
            if let number = Double(text), number.isFinite, text.first?.isNumber == true || text.first == "-" {
                return .double(number)
            }
            return .string(text)
        }
    }

    /// The stdlib folder: `--stdlib`, `$TIDE_STDLIB`, then a `stdlib/` (or `share/tide/stdlib/`)
    /// found walking up from the executable, then `./stdlib`.
    func stdlibPath() -> String? { Self.findStdlib(explicit: stdlib) }

    /// Exits with 66 unless `file` is a readable file.
    static func checkReadable(_ file: String) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isFolder) else {
            throw TideExit.fail(TideExit.noInput, "no plan file '\(file)': give the path of a .lua plan")
        }
        guard !isFolder.boolValue, FileManager.default.isReadableFile(atPath: file) else {
            throw TideExit.fail(
                TideExit.noInput,
                "'\(file)' is " + (isFolder.boolValue ? "a folder" : "not readable") + ", not a plan file")
        }
    }

    /// The stdlib folder (``findStdlib(explicit:)``); exits with 78 if one named by `--stdlib` or
    /// `$TIDE_STDLIB` is not a folder.
    static func checkedStdlib(explicit: String?) throws -> String? {
        let path = findStdlib(explicit: explicit)
        if let path, explicit != nil || ProcessInfo.processInfo.environment["TIDE_STDLIB"].map({ !$0.isEmpty }) == true
        {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                throw TideExit.fail(
                    TideExit.configuration,
                    "the stdlib folder '\(path)' (--stdlib or $TIDE_STDLIB) is not there: give the folder that holds tide/plan.lua"
                )
            }
        }
        return path
    }

    /// Finds the stdlib folder (see ``stdlibPath()``).
    static func findStdlib(explicit stdlib: String?) -> String? {
        if let stdlib { return stdlib }
        if let path = ProcessInfo.processInfo.environment["TIDE_STDLIB"], !path.isEmpty { return path }
        let fileManager = FileManager.default
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in ["stdlib", "share/tide/stdlib"] {
                let path = folder.appendingPathComponent(candidate).path
                if fileManager.fileExists(atPath: path + "/tide/plan.lua") { return path }
            }
            folder = folder.deletingLastPathComponent()
        }
        return fileManager.fileExists(atPath: "stdlib/tide/plan.lua") ? "stdlib" : nil
    }

    /// Loads the plan; on problems prints them to standard error and exits with 2 (66 for a plan
    /// file that is missing or unreadable, 78 for a stdlib folder that is not there).
    func load(options: LuaPlanOptions) async throws -> LuaPlan {
        var options = options
        try Self.checkReadable(plan)
        options.stdlibPath = try Self.checkedStdlib(explicit: stdlib)
        options.variables = try parsedVariables()
        do {
            return try await LuaPlan.load(file: plan, options: options)
        } catch {
            Terminal.standardError.write(error.description + "\n")
            throw ExitCode(TideExit.invalidPlan)
        }
    }
}
