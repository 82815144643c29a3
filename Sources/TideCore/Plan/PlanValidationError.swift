/// Everything wrong with a plan, found before anything runs.
public struct PlanValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One problem, with the task and place it concerns.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The kind of problem, as a stable string.
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            /// The plan has no tasks.
            case emptyPlan = "EMPTY_PLAN"
            /// A task id is empty.
            case emptyId = "EMPTY_ID"
            /// Two tasks share an id.
            case duplicateId = "DUPLICATE_ID"
            /// A dependency names no task of the plan.
            case unknownDependency = "UNKNOWN_DEPENDENCY"
            /// Tasks depend on each other in a circle.
            case cycle = "CYCLE"
            /// A resource amount is negative or not finite.
            case invalidAmount = "INVALID_AMOUNT"
            /// A priority is outside 0–10.
            case invalidPriority = "INVALID_PRIORITY"
            /// The concurrency is below 1.
            case invalidConcurrency = "INVALID_CONCURRENCY"
            /// A timeout is zero or negative.
            case invalidTimeout = "INVALID_TIMEOUT"
        }

        /// What kind of problem.
        public var kind: Kind
        /// The task concerned, if one is.
        public var taskId: String?
        /// Where it is defined, if known.
        public var location: SourceLocation?
        /// What is wrong and what to do, in a sentence.
        public var message: String

        /// Creates a problem.
        public init(kind: Kind, taskId: String? = nil, location: SourceLocation? = nil, message: String) {
            self.kind = kind
            self.taskId = taskId
            self.location = location
            self.message = message
        }

        /// `file:line: message`, or the message alone.
        public var description: String {
            location.map { "\($0): \(message)" } ?? message
        }
    }

    /// The plan's id.
    public var planId: String
    /// Every problem, in the order found.
    public var problems: [Problem]

    /// Creates the error of a plan with these problems.
    public init(planId: String, problems: [Problem]) {
        self.planId = planId
        self.problems = problems
    }

    /// One line per problem.
    public var description: String {
        "plan '\(planId)' is invalid (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n"
            + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
