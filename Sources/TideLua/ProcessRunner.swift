import Foundation
import Subprocess
import Synchronization
import SystemPackage
public import TideCore

#if canImport(Glibc)
    import Glibc
#endif

/// A child process a plan asked for with `tide.exec`.
public struct ProcessRequest: Sendable, Hashable {
    /// The program: a path, or a name looked up in `PATH`.
    public var command: String
    /// Its arguments, passed as they are (no shell).
    public var arguments: [String]
    /// Bytes written to its standard input, which is then closed; `nil` for no input.
    public var stdin: [UInt8]?
    /// Variables set (or, with `nil`, removed) on top of the inherited environment.
    public var environment: [String: String?]
    /// Its working directory; the host's when `nil`.
    public var workingDirectory: String?
    /// Longest it may run; it is killed (its whole process group) after that.
    public var timeout: Duration?
    /// Called once the child runs, with its process id, group and start time (for a store that
    /// records what each attempt started, ``ChildProcess``); `nil` for none.
    public var started: (@Sendable (ChildProcess.Identity) async -> Void)?
    /// Called once the child and everything it started are gone.
    public var ended: (@Sendable (ChildProcess.Identity) async -> Void)?

    /// Creates a request.
    public init(
        command: String, arguments: [String] = [], stdin: [UInt8]? = nil, environment: [String: String?] = [:],
        workingDirectory: String? = nil, timeout: Duration? = nil
    ) {
        self.command = command
        self.arguments = arguments
        self.stdin = stdin
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.timeout = timeout
    }

    /// Requests are equal when they run the same thing the same way (the callbacks are not compared).
    public static func == (a: Self, b: Self) -> Bool {
        a.command == b.command && a.arguments == b.arguments && a.stdin == b.stdin && a.environment == b.environment
            && a.workingDirectory == b.workingDirectory && a.timeout == b.timeout
    }

    /// Hashes what ``==`` compares, in part.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(command)
        hasher.combine(arguments)
        hasher.combine(stdin)
        hasher.combine(workingDirectory)
    }
}

/// What a finished child process left.
public struct ProcessOutcome: Sendable, Hashable {
    /// Its exit code, or `128 + signal` when a signal ended it (as shells report it).
    public var code: Int
    /// The signal that ended it, if one did.
    public var signal: Int?
    /// Standard output, at most ``ProcessRunner/outputLimit`` bytes of it.
    public var stdout: [UInt8]
    /// Standard error, at most ``ProcessRunner/outputLimit`` bytes of it.
    public var stderr: [UInt8]
    /// Whether output beyond the limit was dropped.
    public var truncated: Bool
    /// Whether it was killed for running past its timeout.
    public var timedOut: Bool
    /// Whether it stopped reading its standard input (closed it, or exited) before taking all the
    /// bytes of ``ProcessRequest/stdin``. That is normal for many programs (`head`, `true`).
    public var stdinClosed: Bool = false
}

/// Why a child process could not be run.
public struct ProcessError: Error, Sendable, CustomStringConvertible {
    /// `PROCESS_NOT_FOUND` or `PROCESS_ERROR`.
    public var code: String
    /// What went wrong.
    public var message: String

    /// `CODE: message`.
    public var description: String { "\(code): \(message)" }
}

/// Runs child processes for `tide.exec`: argv without a shell, output capped, killed on timeout and
/// on cancellation, and no process left behind.
///
/// Standard input is fed through a pipe of the runner's own without holding a thread. A child
/// that stops reading it is normal: the outcome says ``ProcessOutcome/stdinClosed``. Writing to a
/// pipe whose reader is gone raises `SIGPIPE`, which kills a process by default; the runner
/// therefore ignores `SIGPIPE` process-wide the first time it feeds a child's input, if its
/// disposition is still the default (a host with its own handler keeps it). A host embedding Tide
/// should ignore `SIGPIPE` itself at start-up, as servers do, and handle `EPIPE` in its own writes.
///
/// Each child runs under `tide-guard` (``guardPath``), a small C program that tide spawns and
/// that runs the command as its only child: a child subreaper that, when the command exits, when
/// the attempt ends (a timeout, a cancellation: the runner sends it `SIGTERM`) or when tide itself
/// dies (`PR_SET_PDEATHSIG`, checked against its parent's pid so that it follows the process, not
/// the spawning thread), kills every descendant left — also those that left the process group
/// (`setsid`) or forked twice — and reaps them. Without the guard (not found beside the tool)
/// each child leads a process group of its own, which is killed whole at the end; a descendant
/// that left the group then escapes.
///
/// Waiting costs no thread: output is read and the exit awaited with swift-subprocess's
/// asynchronous I/O.
public struct ProcessRunner: Sendable {
    /// The most bytes kept of each of standard output and standard error; the rest is read and dropped.
    public var outputLimit: Int
    /// The `tide-guard` program children run under, or `nil` to run them without it.
    public var guardPath: String?

    /// Creates a runner.
    ///
    /// - Parameters:
    ///   - outputLimit: The most bytes kept of each output stream.
    ///   - guardPath: The `tide-guard` program; by default ``defaultGuardPath``.
    public init(outputLimit: Int = 4 << 20, guardPath: String? = ProcessRunner.defaultGuardPath) {
        self.outputLimit = outputLimit
        self.guardPath = guardPath
    }

    /// `$TIDE_GUARD` if set (empty: none), else `tide-guard` beside the running program, if it is there.
    /// Always `nil` off Linux, where the guard cannot work.
    public static let defaultGuardPath: String? = {
        #if os(Linux)
            if let given = ProcessInfo.processInfo.environment["TIDE_GUARD"] { return given.isEmpty ? nil : given }
            let program = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            let beside = program.deletingLastPathComponent().appendingPathComponent("tide-guard").path
            return access(beside, X_OK) == 0 ? beside : nil
        #else
            return nil
        #endif
    }()

    /// Runs a process to completion.
    ///
    /// - Throws: ``ProcessError`` if it cannot be started; `CancellationError` if the calling task
    ///   is cancelled (the process group is killed first).
    public func run(_ request: ProcessRequest) async throws -> ProcessOutcome {
        var options = PlatformOptions()
        options.processGroupID = 0  // a group of its own, so that it can be killed whole
        if guardPath != nil {
            // When the awaiting task is cancelled swift-subprocess tears the child down: SIGTERM
            // first, on which the guard kills everything below it, then SIGKILL.
            options.teardownSequence = [.send(signal: .terminate, allowedDurationToNextStep: .seconds(2))]
        }
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in request.environment {
            guard let key = Environment.Key(rawValue: name) else { continue }
            updates[key] = value
        }
        let program = try Self.resolve(request)
        let guarded = guardPath
        let executable: Executable = .path(FilePath(guarded ?? program))
        let arguments = guarded != nil ? [String(getpid()), program] + request.arguments : request.arguments
        let limit = outputLimit
        let timeout = request.timeout
        let timedOut = OnceFlag()
        let stdinClosed = OnceFlag()
        let input: FileDescriptorInput
        var feeder: PipeFeeder?
        if let bytes = request.stdin {
            Self.ignoreBrokenPipeSignal()
            var ends: [Int32] = [-1, -1]
            guard makePipe(&ends, O_CLOEXEC) == 0 else {
                throw ProcessError(
                    code: "PROCESS_ERROR", message: "cannot make a pipe for the input of '\(request.command)'")
            }
            input = .fileDescriptor(FileDescriptor(rawValue: ends[0]), closeAfterSpawningProcess: true)
            feeder = PipeFeeder(descriptor: ends[1], bytes: bytes)
        } else {
            // Its own descriptor of /dev/null, closed once the child has it: the child reads end-of-file.
            let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard null >= 0 else {
                throw ProcessError(
                    code: "PROCESS_ERROR",
                    message:
                        "cannot open /dev/null for the input of '\(request.command)': \(String(cString: strerror(errno)))"
                )
            }
            input = .fileDescriptor(FileDescriptor(rawValue: null), closeAfterSpawningProcess: true)
        }
        let feeding = feeder
        defer { if let feeder, !feeder.started { feeder.abandon() } }
        do {
            let result = try await Subprocess.run(
                executable,
                arguments: Arguments(arguments),
                environment: updates.isEmpty ? .inherit : .inherit.updating(updates),
                workingDirectory: request.workingDirectory.map { FilePath($0) },
                platformOptions: options,
                input: input,
                output: .sequence,
                error: .sequence
            ) { execution in
                let group = execution.processIdentifier.value
                // Ends the attempt's processes: the guard kills what the command started, then
                // itself; without a guard, the group is all there is to kill.
                let end: @Sendable () -> Void = {
                    if guarded != nil { kill(group, SIGTERM) } else { kill(-group, SIGKILL) }
                }
                if guarded != nil { try await Self.waitUntilReady(group) }
                let identity = ChildProcess.Identity(
                    pid: Int(group), processGroup: Int(group), startTime: ProcessStat.startTicks(of: Int(group)),
                    guarded: guarded != nil)
                // On record before it runs: the guard starts the command on SIGCONT.
                await request.started?(identity)
                if guarded != nil { kill(group, SIGCONT) }
                defer { if let ended = request.ended { Task { await ended(identity) } } }
                return try await withTaskCancellationHandler {
                    try await withThrowingTaskGroup(of: CappedOutput?.self) { tasks in
                        if let feeding {
                            tasks.addTask {
                                if await feeding.feed() { stdinClosed.set() }
                                return nil
                            }
                        }
                        tasks.addTask {
                            try await CappedOutput.read(execution.standardOutput, limit: limit, isError: false)
                        }
                        tasks.addTask {
                            try await CappedOutput.read(execution.standardError, limit: limit, isError: true)
                        }
                        if let timeout {
                            tasks.addTask {
                                try await Task.sleep(for: timeout)
                                timedOut.set()
                                end()
                                // A guard that has not ended everything within a second gets the group killed.
                                try await Task.sleep(for: .seconds(1))
                                kill(-group, SIGKILL)
                                return nil
                            }
                        }
                        var stdout = CappedOutput(isError: false)
                        var stderr = CappedOutput(isError: true)
                        var finished = 0
                        while finished < 2, let output = try await tasks.next() {
                            guard let output else { continue }
                            if output.isError { stderr = output } else { stdout = output }
                            finished += 1
                        }
                        tasks.cancelAll()
                        return (stdout, stderr)
                    }
                } onCancel: {
                    end()
                }
            }
            // The leader is gone; members of its group that closed their output may remain (a guard
            // has killed them, unless it was killed itself). A group id is not given to a new
            // process while members of the group live, so this reaches only the child's.
            kill(-result.processIdentifier.value, SIGKILL)
            if guarded != nil, case .signaled(let signal) = result.terminationStatus, signal == SIGKILL,
                let attempt = request.environment[ChildProcess.attemptVariable].flatMap({ $0 })
            {
                // The guard may have been killed before it could clear (by the command itself, or
                // from outside): what carries the attempt's id goes now.
                _ = ChildSweep.kill(carrying: "\(ChildProcess.attemptVariable)=\(attempt)")
            }
            try Task.checkCancellation()
            let (stdout, stderr) = result.closureResult
            var outcome = ProcessOutcome(
                code: 0, signal: nil, stdout: stdout.bytes, stderr: stderr.bytes,
                truncated: stdout.truncated || stderr.truncated, timedOut: timedOut.isSet,
                stdinClosed: stdinClosed.isSet)
            switch result.terminationStatus {
            case .exited(let code): outcome.code = Int(code)
            case .signaled(let signal):
                outcome.signal = Int(signal)
                outcome.code = 128 + Int(signal)
            }
            if guarded != nil, outcome.code == 126 || outcome.code == 127,
                let why = Self.guardCouldNotRun(stderr: outcome.stderr)
            {
                // The guard could not exec the program (a script whose #! interpreter is missing).
                throw ProcessError(
                    code: outcome.code == 127 ? "PROCESS_NOT_FOUND" : "PROCESS_ERROR",
                    message: "cannot run '\(request.command)': \(why) (for a script, check its #! line)")
            }
            return outcome
        } catch let error as SubprocessError {
            if error.code == .executableNotFound {
                throw ProcessError(
                    code: "PROCESS_NOT_FOUND",
                    message: request.command.contains("/")
                        ? "there is no program at '\(request.command)': check the path"
                        : "no program '\(request.command)' was found in PATH; give its full path or install it")
            }
            if error.code == .failedToChangeWorkingDirectory {
                throw ProcessError(
                    code: "PROCESS_ERROR",
                    message: "cannot run '\(request.command)' in '\(request.workingDirectory ?? "")': no such directory"
                )
            }
            throw ProcessError(code: "PROCESS_ERROR", message: "cannot run '\(request.command)': \(error)")
        }
    }
}

extension ProcessRunner {
    /// The program `request` runs: its path, or its name looked up in `PATH` (the request's own
    /// `PATH`, if it sets one).
    ///
    /// - Throws: ``ProcessError`` with `PROCESS_NOT_FOUND` if there is no such program.
    static func resolve(_ request: ProcessRequest) throws -> String {
        let command = request.command
        if command.contains("/") {
            // A relative path is relative to the child's working directory.
            let path =
                command.hasPrefix("/") || request.workingDirectory == nil
                ? command : "\(request.workingDirectory ?? ".")/\(command)"
            var info = stat()
            guard stat(path, &info) == 0 else {
                throw ProcessError(
                    code: "PROCESS_NOT_FOUND", message: "there is no program at '\(command)': check the path")
            }
            guard info.st_mode & S_IFMT != S_IFDIR else {
                throw ProcessError(code: "PROCESS_ERROR", message: "'\(command)' is a directory, not a program")
            }
            guard access(path, X_OK) == 0 else {
                throw ProcessError(
                    code: "PROCESS_ERROR", message: "'\(command)' is not executable: check its permissions (chmod +x)")
            }
            return path
        }
        let path =
            request.environment["PATH"].flatMap { $0 } ?? ProcessInfo.processInfo.environment["PATH"]
            ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(folder)/\(command)"
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw ProcessError(
            code: "PROCESS_NOT_FOUND",
            message: "no program '\(command)' was found in PATH; give its full path or install it")
    }

    /// Why the guard could not run the program, from what it wrote on standard error
    /// (`tide-guard: cannot run '…': reason`), or `nil` if it ran it.
    static func guardCouldNotRun(stderr: [UInt8]) -> String? {
        let text = String(decoding: stderr.prefix(4096), as: UTF8.self)
        guard text.hasPrefix("tide-guard: cannot run '"), let close = text.range(of: "': ") else { return nil }
        return String(text[close.upperBound...].prefix { $0 != "\n" })
    }

    /// Waits until guard `pid` waits for its go (it has blocked `SIGCONT`, and says so by
    /// ignoring `SIGUSR2`: `SigIgn` in `/proc/PID/status`), or is gone; well under a millisecond
    /// once it runs.
    ///
    /// - Throws: `CancellationError` if the calling task is cancelled meanwhile.
    static func waitUntilReady(_ pid: Int32) async throws {
        let bit: UInt64 = 1 << UInt64(SIGUSR2 - 1)
        var attempt = 0
        while true {
            attempt += 1
            guard let status = ProcessStat.text(of: "/proc/\(pid)/status") else { return }
            if status.contains("State:\tZ") { return }
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigIgn:") }),
                let mask = UInt64(line.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16),
                mask & bit != 0
            {
                return
            }
            try await Task.sleep(for: attempt < 50 ? .microseconds(100) : .milliseconds(1))
        }
    }

    /// Ignores `SIGPIPE` process-wide if its disposition is the default, once: a child that closes
    /// its input must not kill the host. A handler the host installed is kept.
    static func ignoreBrokenPipeSignal() {
        _ = brokenPipeIgnored
    }

    private static let brokenPipeIgnored: Bool = {
        let previous = signal(SIGPIPE, SIG_IGN)
        if let previous, unsafeBitCast(previous, to: Int.self) != unsafeBitCast(SIG_IGN, to: Int.self) {
            signal(SIGPIPE, previous)  // the host handles SIGPIPE itself: keep its handler
        }
        return true
    }()

}

/// The first `limit` bytes of one output stream, read to its end.
struct CappedOutput: Sendable {
    var bytes: [UInt8] = []
    var truncated = false
    let isError: Bool

    init(isError: Bool) { self.isError = isError }

    static func read(_ sequence: SubprocessOutputSequence, limit: Int, isError: Bool) async throws -> CappedOutput {
        var output = CappedOutput(isError: isError)
        for try await buffer in sequence {
            let room = limit - output.bytes.count
            buffer.withUnsafeBytes { raw in
                if raw.count <= room {
                    output.bytes.append(contentsOf: raw)
                } else {
                    output.bytes.append(contentsOf: raw.prefix(max(room, 0)))
                    output.truncated = true
                }
            }
        }
        return output
    }
}

/// glibc's `pipe2`, which the Glibc module does not export (it needs `_GNU_SOURCE`): a pipe whose
/// ends are close-on-exec from the start, so that no child started meanwhile by another thread
/// inherits the write end (its copy would keep the reader from ever seeing end-of-file).
@_silgen_name("pipe2")
private func makePipe(_ descriptors: UnsafeMutablePointer<Int32>, _ flags: Int32) -> Int32

/// A flag set once, from any task.
final class OnceFlag: Sendable {
    private let storage = Mutex(false)
    func set() { storage.withLock { $0 = true } }
    var isSet: Bool { storage.withLock { $0 } }
}
