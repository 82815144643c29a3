/// An error raised by a Lua script, by the sandbox, or by the host while running one.
///
/// Every failure of the Lua layer is a `LuaError`. Its ``code`` is a stable string, because codes
/// are persisted with executions and matched by recovery strategies written in Lua. A script
/// chooses its own code by raising a table:
///
/// ```lua
/// error { code = "NETWORK_TIMEOUT", message = "upstream did not answer", recoverable = true }
/// ```
///
/// A plain `error("…")` becomes ``Code/scriptError``. Errors carry their place: the chunk name
/// and line of the innermost Lua function, and a traceback.
///
/// ```swift
/// do {
///     _ = try lua.call(function)
/// } catch let error as LuaError where error.code == .scriptTimeout {
///     print(error)  // plan.lua:12: SCRIPT_TIMEOUT: script exceeded its time limit
/// }
/// ```
public struct LuaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, persisted classification of a ``LuaError``.
    ///
    /// Codes are open: a script may raise any code it likes (`NETWORK_TIMEOUT`, …). The ones
    /// below are produced by the Lua layer itself.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// The code as persisted and as seen from Lua, e.g. `"SCRIPT_TIMEOUT"`.
        public var rawValue: String

        /// Creates a code from its string.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Creates a code from a string literal.
        public init(stringLiteral value: String) { self.rawValue = value }

        /// The code itself.
        public var description: String { rawValue }

        /// The source does not compile.
        public static let syntaxError: Code = "SYNTAX_ERROR"
        /// A runtime error raised by the script without a code of its own.
        public static let scriptError: Code = "SCRIPT_ERROR"
        /// The state's memory cap was reached.
        public static let memoryLimit: Code = "MEMORY_LIMIT"
        /// The run used up its time or instruction budget.
        public static let scriptTimeout: Code = "SCRIPT_TIMEOUT"
        /// The script tried something the sandbox forbids, or exceeded an input cap.
        public static let sandboxViolation: Code = "SANDBOX_VIOLATION"
        /// The run was cancelled from outside.
        public static let cancelled: Code = "CANCELLED"
        /// `require` found no module of that name in the sandbox's search paths.
        public static let moduleNotFound: Code = "MODULE_NOT_FOUND"
        /// A value could not cross between Lua and Swift (a cycle, too deep, a `nil` key, …).
        public static let invalidValue: Code = "INVALID_VALUE"
        /// A value is larger than the limit on its kind (``LuaValueBound/maxBytes``).
        public static let valueTooLarge: Code = "VALUE_TOO_LARGE"
        /// A script went past a quota of its execution (events, messages, log bytes, checkpoints).
        public static let quotaExceeded: Code = "QUOTA_EXCEEDED"
        /// A Swift host function failed with an error that is not a `LuaError`.
        public static let hostError: Code = "HOST_ERROR"
        /// The Lua layer itself failed (a state could not be created).
        public static let internalError: Code = "INTERNAL_ERROR"
    }

    /// The classification of the error.
    public var code: Code
    /// What went wrong, without the `chunk:line:` prefix; truncated if very long.
    public var message: String
    /// The chunk the error comes from: a file path, or `name@version` for a hot-swapped script.
    public var chunkName: String?
    /// The line in ``chunkName``, when known.
    public var line: Int?
    /// The Lua traceback at the point of the error, when there was one.
    public var traceback: String?
    /// Whether the script marked the error as recoverable (`recoverable = true` in its error table).
    public var recoverable: Bool?
    /// Extra data the script attached to its error table (`context = { … }`).
    public var context: LuaValue?
    /// Whether the error ends the run it is raised in, wherever it is raised: `pcall` in the
    /// script cannot catch it. An asynchronous host function throws such an error for a limit the
    /// script must not be able to ignore (a quota); the run fails with it at once.
    public var endsRun = false

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The classification.
    ///   - message: What went wrong.
    ///   - chunkName: The chunk it comes from, if known.
    ///   - line: The line in that chunk, if known.
    ///   - traceback: A Lua traceback, if there is one.
    ///   - recoverable: Whether a recovery strategy may retry.
    ///   - context: Extra data for recovery strategies.
    public init(
        _ code: Code,
        _ message: String,
        chunkName: String? = nil,
        line: Int? = nil,
        traceback: String? = nil,
        recoverable: Bool? = nil,
        context: LuaValue? = nil
    ) {
        self.code = code
        self.message = message
        self.chunkName = chunkName
        self.line = line
        self.traceback = traceback
        self.recoverable = recoverable
        self.context = context
    }

    /// `chunk:line: CODE: message`, without the traceback.
    public var description: String {
        "\(place)\(code): \(message)"
    }

    /// `chunk:line: message`, as Lua itself words a located error.
    public var placedMessage: String {
        "\(place)\(message)"
    }

    private var place: String {
        guard let chunkName else { return "" }
        return line.map { "\(chunkName):\($0): " } ?? "\(chunkName): "
    }

    /// The error Lua's `luaL_argerror` would raise: `bad argument #1 to 'sleep' (number expected, got nil)`.
    ///
    /// - Parameters:
    ///   - position: The 1-based argument position.
    ///   - function: The function's name as scripts call it.
    ///   - problem: What is wrong with the argument.
    /// - Returns: A ``Code/scriptError`` error.
    public static func badArgument(_ position: Int, to function: String, _ problem: String) -> LuaError {
        LuaError(.scriptError, "bad argument #\(position) to '\(function)' (\(problem))")
    }
}
