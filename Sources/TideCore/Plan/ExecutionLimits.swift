/// What the scripts of one execution may make it hold and print: the plan's `limits` table.
///
/// The same names are used everywhere: in a plan (`limits = { maxEvents = 1000 }`), on the command
/// line (`--limit maxEvents=1000`), in a recovery strategy or alert handler file, in JSON and in
/// the README's table. The engine enforces the counts (``maxEvents``, ``maxMessages``,
/// ``maxLogBytes``, ``maxCheckpoints``) and the message size (``maxMessageBytes``) for everything a
/// task body adds; the Lua bridge enforces the value sizes, the memory budget and the time budgets,
/// which concern scripts.
///
/// Whatever the scripts do, an execution's output and its rows in a store then grow with its tasks,
/// not with its scripts' loops: the engine's own events (a start and an end per attempt) do not
/// count against ``maxEvents``, only what bodies add with `emit` does.
///
/// ```swift
/// var limits = ExecutionLimits()
/// limits.maxEvents = 1_000
/// let plan = ExecutionPlan(id: "etl", limits: limits, tasks: tasks)
/// ```
public struct ExecutionLimits: Sendable, Hashable, Codable {
    /// The longest message text kept, in bytes; a longer one is cut and ends with
    /// `… (N more bytes)`. Also bounds the description of a custom event. Default 64 KiB.
    public var maxMessageBytes: Int
    /// The largest data of one custom event or context of one message, in bytes (as JSON, about);
    /// a larger one is refused with `VALUE_TOO_LARGE` naming its key path. Default 64 KiB.
    public var maxEventDataBytes: Int
    /// The largest result of a task, in bytes; a larger one fails the task with `VALUE_TOO_LARGE`.
    /// Default 16 MiB.
    public var maxResultBytes: Int
    /// The largest state of a task (`ctx.state`) or execution variable, in bytes. Default 16 MiB.
    public var maxStateBytes: Int
    /// The most custom events task bodies may add to the execution; the task that adds one more
    /// fails with `QUOTA_EXCEEDED`. Default 100,000.
    public var maxEvents: Int
    /// The most messages task bodies may log in the execution. Default 100,000.
    public var maxMessages: Int
    /// The most bytes of message text task bodies may log in the execution. Default 64 MiB.
    public var maxLogBytes: Int
    /// The most checkpoints the execution may take; a task asking for one more fails with
    /// `QUOTA_EXCEEDED`, an automatic one past it is skipped with a warning. Default 1,000.
    public var maxCheckpoints: Int
    /// The memory budget of the plan's scripts, in bytes: their Lua state plus the data copied out
    /// of it that the execution keeps (states, results, variables, event data, message context); a
    /// task that would pass it fails with `MEMORY_LIMIT`. `nil` for none. Default 256 MiB.
    public var memory: Int?
    /// The Lua time one task attempt may use (time spent waiting does not count); past it the
    /// attempt fails with `SCRIPT_TIMEOUT`. `nil` for none. Default 30 s.
    public var runTime: Duration?
    /// The Lua VM instructions one task attempt may run, or `nil` for no count. Default `nil`.
    public var instructions: Int?
    /// The Lua time a task body runs before it is paused so that the other bodies of the plan get
    /// a turn (all of them share one Lua state); `nil` never pauses one (no preemption). Default 10 ms.
    public var slice: Duration?
    /// How long past the end of its slice a body may run where it cannot be paused (a `table.sort`
    /// comparator, a `string.gsub` callback, a metamethod called from C) before it fails with
    /// `SCRIPT_TIMEOUT`; `nil` for no cap. Counted in CPU time (a busy machine does not count).
    /// Default 100 ms.
    public var holdTime: Duration?
    /// Each task attempt's share of ``memory``: the attempt that allocates past it fails with
    /// `MEMORY_LIMIT`, not a neighbour. `nil` for the default: ``memory`` divided by the plan's
    /// concurrency, at least 16 MiB (``taskMemoryShare(concurrency:)``).
    public var taskMemory: Int?

    /// Creates limits; every argument has the documented default.
    public init(
        maxMessageBytes: Int = 64 << 10, maxEventDataBytes: Int = 64 << 10, maxResultBytes: Int = 16 << 20,
        maxStateBytes: Int = 16 << 20, maxEvents: Int = 100_000, maxMessages: Int = 100_000,
        maxLogBytes: Int = 64 << 20, maxCheckpoints: Int = 1_000, memory: Int? = 256 << 20,
        runTime: Duration? = .seconds(30), instructions: Int? = nil, slice: Duration? = .milliseconds(10),
        holdTime: Duration? = .milliseconds(100), taskMemory: Int? = nil
    ) {
        self.slice = slice
        self.holdTime = holdTime
        self.taskMemory = taskMemory
        self.maxMessageBytes = maxMessageBytes
        self.maxEventDataBytes = maxEventDataBytes
        self.maxResultBytes = maxResultBytes
        self.maxStateBytes = maxStateBytes
        self.maxEvents = maxEvents
        self.maxMessages = maxMessages
        self.maxLogBytes = maxLogBytes
        self.maxCheckpoints = maxCheckpoints
        self.memory = memory
        self.runTime = runTime
        self.instructions = instructions
    }

    /// The defaults listed on each property.
    public static let `default` = ExecutionLimits()

    /// The smallest default share of memory a task attempt gets.
    public static let minimumTaskMemory = 16 << 20

    /// The share of ``memory`` one task attempt may use with `concurrency` attempts at once:
    /// ``taskMemory`` if set, else ``memory`` divided by `concurrency`, at least
    /// ``minimumTaskMemory`` and at most ``memory``; `nil` without a memory budget.
    public func taskMemoryShare(concurrency: Int) -> Int? {
        guard let memory else { return taskMemory }
        if let taskMemory { return min(taskMemory, memory) }
        return min(memory, max(Self.minimumTaskMemory, memory / max(1, concurrency)))
    }

    /// One limit by name, for readers of the `limits` table and `--limit NAME=VALUE`.
    public enum Name: String, Sendable, CaseIterable, Codable {
        case maxMessageBytes, maxEventDataBytes, maxResultBytes, maxStateBytes, maxEvents, maxMessages
        case maxLogBytes, maxCheckpoints, memory, runTime, instructions, slice, holdTime, taskMemory

        /// What kind of value the limit takes.
        public var kind: Kind {
            switch self {
            case .maxMessageBytes, .maxEventDataBytes, .maxResultBytes, .maxStateBytes, .maxLogBytes, .memory,
                .taskMemory:
                .bytes
            case .maxEvents, .maxMessages, .maxCheckpoints, .instructions: .count
            case .runTime, .slice, .holdTime: .duration
            }
        }

        /// Whether the limit can be switched off (`false` in a plan, `none` on the command line).
        public var canBeOff: Bool {
            switch self {
            case .memory, .runTime, .instructions, .slice, .holdTime: true
            default: false
            }
        }

        /// Whether the limit applies to the calls of a recovery strategy or an alert handler (the
        /// others are the limits of the execution the call is about, or of the scripts' state).
        public var appliesToScriptCalls: Bool { self == .runTime || self == .instructions }
    }

    /// The kinds of values limits take.
    public enum Kind: Sendable {
        /// A size: a number of bytes, or text such as `64KiB`, `16MiB`, `1GiB`.
        case bytes
        /// A whole number.
        case count
        /// A time: seconds, or text such as `500ms`, `30s`, `2m`.
        case duration
    }

    /// The value of a limit, as its kind counts it: bytes or a count as `.int`, a time as seconds.
    public subscript(name: Name) -> Setting {
        get {
            switch name {
            case .maxMessageBytes: .amount(maxMessageBytes)
            case .maxEventDataBytes: .amount(maxEventDataBytes)
            case .maxResultBytes: .amount(maxResultBytes)
            case .maxStateBytes: .amount(maxStateBytes)
            case .maxEvents: .amount(maxEvents)
            case .maxMessages: .amount(maxMessages)
            case .maxLogBytes: .amount(maxLogBytes)
            case .maxCheckpoints: .amount(maxCheckpoints)
            case .memory: memory.map(Setting.amount) ?? .off
            case .runTime: runTime.map(Setting.time) ?? .off
            case .instructions: instructions.map(Setting.amount) ?? .off
            case .slice: slice.map(Setting.time) ?? .off
            case .holdTime: holdTime.map(Setting.time) ?? .off
            case .taskMemory: taskMemory.map(Setting.amount) ?? .automatic
            }
        }
        set {
            switch (name, newValue) {
            case (.maxMessageBytes, .amount(let value)): maxMessageBytes = value
            case (.maxEventDataBytes, .amount(let value)): maxEventDataBytes = value
            case (.maxResultBytes, .amount(let value)): maxResultBytes = value
            case (.maxStateBytes, .amount(let value)): maxStateBytes = value
            case (.maxEvents, .amount(let value)): maxEvents = value
            case (.maxMessages, .amount(let value)): maxMessages = value
            case (.maxLogBytes, .amount(let value)): maxLogBytes = value
            case (.maxCheckpoints, .amount(let value)): maxCheckpoints = value
            case (.memory, .amount(let value)): memory = value
            case (.memory, .off): memory = nil
            case (.runTime, .time(let value)): runTime = value
            case (.runTime, .off): runTime = nil
            case (.instructions, .amount(let value)): instructions = value
            case (.instructions, .off): instructions = nil
            case (.slice, .time(let value)): slice = value
            case (.slice, .off): slice = nil
            case (.holdTime, .time(let value)): holdTime = value
            case (.holdTime, .off): holdTime = nil
            case (.taskMemory, .amount(let value)): taskMemory = value
            case (.taskMemory, .automatic): taskMemory = nil
            default: break  // a setting of the wrong kind: readers check kinds first
            }
        }
    }

    /// The value of one limit.
    public enum Setting: Sendable, Hashable, CustomStringConvertible {
        /// Bytes or a count.
        case amount(Int)
        /// A time.
        case time(Duration)
        /// No limit.
        case off
        /// The value derived from other limits (``taskMemory`` when not set).
        case automatic

        /// As the README's table shows it: `64 KiB`, `100000`, `30 s`, `none`.
        public var description: String {
            switch self {
            case .amount(let value): "\(value)"
            case .time(let value): "\(value)"
            case .off: "none"
            case .automatic: "auto"
            }
        }
    }
}

extension ExecutionLimits {
    private enum CodingKeys: String, CodingKey {
        case maxMessageBytes, maxEventDataBytes, maxResultBytes, maxStateBytes, maxEvents, maxMessages
        case maxLogBytes, maxCheckpoints, memory, runTime, instructions, slice, holdTime, taskMemory
        /// Whether `slice` and `holdTime` were written (an absent optional is otherwise "none").
        case slicing
    }

    /// Reads limits written by any version: a limit the record does not name has its default
    /// (records written before slices and task shares existed resume with them).
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = ExecutionLimits.default
        self.init(
            maxMessageBytes: try values.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? defaults.maxMessageBytes,
            maxEventDataBytes: try values.decodeIfPresent(Int.self, forKey: .maxEventDataBytes)
                ?? defaults.maxEventDataBytes,
            maxResultBytes: try values.decodeIfPresent(Int.self, forKey: .maxResultBytes) ?? defaults.maxResultBytes,
            maxStateBytes: try values.decodeIfPresent(Int.self, forKey: .maxStateBytes) ?? defaults.maxStateBytes,
            maxEvents: try values.decodeIfPresent(Int.self, forKey: .maxEvents) ?? defaults.maxEvents,
            maxMessages: try values.decodeIfPresent(Int.self, forKey: .maxMessages) ?? defaults.maxMessages,
            maxLogBytes: try values.decodeIfPresent(Int.self, forKey: .maxLogBytes) ?? defaults.maxLogBytes,
            maxCheckpoints: try values.decodeIfPresent(Int.self, forKey: .maxCheckpoints) ?? defaults.maxCheckpoints,
            memory: try values.decodeIfPresent(Int.self, forKey: .memory),
            runTime: try values.decodeIfPresent(Duration.self, forKey: .runTime),
            instructions: try values.decodeIfPresent(Int.self, forKey: .instructions),
            taskMemory: try values.decodeIfPresent(Int.self, forKey: .taskMemory))
        if try values.decodeIfPresent(Bool.self, forKey: .slicing) == true {
            slice = try values.decodeIfPresent(Duration.self, forKey: .slice)
            holdTime = try values.decodeIfPresent(Duration.self, forKey: .holdTime)
        }
    }

    /// Writes every limit; `nil` ones (switched off) are left out.
    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(maxMessageBytes, forKey: .maxMessageBytes)
        try values.encode(maxEventDataBytes, forKey: .maxEventDataBytes)
        try values.encode(maxResultBytes, forKey: .maxResultBytes)
        try values.encode(maxStateBytes, forKey: .maxStateBytes)
        try values.encode(maxEvents, forKey: .maxEvents)
        try values.encode(maxMessages, forKey: .maxMessages)
        try values.encode(maxLogBytes, forKey: .maxLogBytes)
        try values.encode(maxCheckpoints, forKey: .maxCheckpoints)
        try values.encodeIfPresent(memory, forKey: .memory)
        try values.encodeIfPresent(runTime, forKey: .runTime)
        try values.encodeIfPresent(instructions, forKey: .instructions)
        try values.encodeIfPresent(slice, forKey: .slice)
        try values.encodeIfPresent(holdTime, forKey: .holdTime)
        try values.encodeIfPresent(taskMemory, forKey: .taskMemory)
        try values.encode(true, forKey: .slicing)
    }
}
