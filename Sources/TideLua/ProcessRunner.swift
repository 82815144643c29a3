import Foundation
import Subprocess
import Synchronization
import SystemPackage

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
/// Each child is the leader of a new process group. When it times out, when the awaiting task is
/// cancelled, and after it exits, the whole group is sent `SIGKILL`, so grandchildren it started
/// (`sh -c "sleep 100 & …"`) do not outlive it. Waiting costs no thread: output is read and the
/// exit awaited with swift-subprocess's asynchronous I/O.
public struct ProcessRunner: Sendable {
    /// The most bytes kept of each of standard output and standard error; the rest is read and dropped.
    public var outputLimit: Int

    /// Creates a runner.
    public init(outputLimit: Int = 4 << 20) {
        self.outputLimit = outputLimit
    }

    /// Runs a process to completion.
    ///
    /// - Throws: ``ProcessError`` if it cannot be started; `CancellationError` if the calling task
    ///   is cancelled (the process group is killed first).
    public func run(_ request: ProcessRequest) async throws -> ProcessOutcome {
        var options = PlatformOptions()
        options.processGroupID = 0  // a group of its own, so that it can be killed whole
        var updates: [Environment.Key: String?] = [:]
        for (name, value) in request.environment {
            guard let key = Environment.Key(rawValue: name) else { continue }
            updates[key] = value
        }
        let executable: Executable =
            request.command.contains("/") ? .path(FilePath(request.command)) : .name(request.command)
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
                arguments: Arguments(request.arguments),
                environment: updates.isEmpty ? .inherit : .inherit.updating(updates),
                workingDirectory: request.workingDirectory.map { FilePath($0) },
                platformOptions: options,
                input: input,
                output: .sequence,
                error: .sequence
            ) { execution in
                let group = execution.processIdentifier.value
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
                    kill(-group, SIGKILL)
                }
            }
            // The leader is gone; members of its group that closed their output may remain.
            kill(-result.processIdentifier.value, SIGKILL)
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
