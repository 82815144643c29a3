/// Why the store could not do what was asked, worded for the person at the terminal.
///
/// ``code`` says what kind of problem it is, so that a caller can act on it (the `tide` tool picks
/// its exit code from it); ``message`` says what went wrong and what to do.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The kinds of problem. Stable: the `tide` tool maps them to exit codes.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The code's text.
        public var rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The code's text.
        public var description: String { rawValue }

        /// The store file, an execution or a checkpoint that was asked for is not there.
        public static let notFound = Code(rawValue: "NOT_FOUND")
        /// The file cannot be opened, created or written (not a Tide database, damaged, newer,
        /// locked, full, or no permission).
        public static let unwritable = Code(rawValue: "STORE_UNWRITABLE")
        /// Another live process owns the execution.
        public static let owned = Code(rawValue: "OWNED_BY_ANOTHER_PROCESS")
        /// This process no longer owns the execution: another one claimed it.
        public static let lostOwnership = Code(rawValue: "LOST_OWNERSHIP")
        /// The execution's state does not allow the request (it completed, it is not running).
        public static let state = Code(rawValue: "EXECUTION_STATE")
        /// Anything else.
        public static let failed = Code(rawValue: "STORE_FAILED")
    }

    /// What kind of problem it is.
    public var code: Code
    /// What went wrong and what to do about it.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Creates an error of code ``Code/failed``.
    public init(_ message: String) { self.init(.failed, message) }

    /// The message.
    public var description: String { message }
}
