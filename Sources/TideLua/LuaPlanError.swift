public import TideCore

/// Everything wrong with a Lua plan, found before anything runs.
///
/// A plan file is read whole and every mistake is reported at once, each at the `file:line` of
/// the task table (or plan field) it concerns, with a hint saying what to write instead:
///
/// ```text
/// plans/etl.lua: 2 problems, nothing was run
///   plans/etl.lua:14: task 'load': unknown field 'depends' (did you mean 'after'?)
///   plans/etl.lua:21: task 'report': timeout "5 minutes" has an unknown unit 'minutes'; write seconds …
/// ```
public struct LuaPlanError: Error, Sendable, CustomStringConvertible {
    /// One mistake.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Where it is, when known.
        public var location: SourceLocation?
        /// The task it concerns, if any.
        public var taskId: String?
        /// What is wrong, naming the task or field, with what to do about it.
        public var message: String

        /// Creates a problem.
        public init(location: SourceLocation?, taskId: String? = nil, message: String) {
            self.location = location
            self.taskId = taskId
            self.message = message
        }

        /// `file:line: message`.
        public var description: String { location.map { "\($0): \(message)" } ?? message }
    }

    /// The plan file.
    public var file: String
    /// Every problem, in source order.
    public var problems: [Problem]

    /// Creates an error.
    public init(file: String, problems: [Problem]) {
        self.file = file
        self.problems = problems.sorted { ($0.location?.line ?? 0) < ($1.location?.line ?? 0) }
    }

    /// A header line and one indented line per problem.
    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "\(file): \(count), nothing was run\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
