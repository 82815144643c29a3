import ArgumentParser
import Tide

/// The exit codes of every `tide` command: one table, the README's and `tide --help`'s.
enum TideExit {
    /// Completed, or the command did what it was asked.
    static let completed: Int32 = 0
    /// The execution failed.
    static let failed: Int32 = 1
    /// The plan is invalid.
    static let invalidPlan: Int32 = 2
    /// The execution was cancelled by a control command (`tide cancel`, the API).
    static let cancelled: Int32 = 3
    /// The execution's state does not allow the request (resume of a completed execution, pause or
    /// cancel of one that is not running).
    static let wrongState: Int32 = 4
    /// Bad command-line usage.
    static let usage: Int32 = 64
    /// An input file is missing or unreadable (a plan, a store, an execution or checkpoint id).
    static let noInput: Int32 = 66
    /// The store cannot be created or written.
    static let cannotWrite: Int32 = 73
    /// The execution is owned by another live process.
    static let owned: Int32 = 75
    /// A configuration problem (stdlib not found, a bad scripts folder, broken scripts).
    static let configuration: Int32 = 78
    /// Cancelled by Ctrl-C (SIGINT) or SIGTERM.
    static let interrupted: Int32 = 130

    /// The table, for `--help`.
    static let table = """
        Exit codes: 0 completed (or done as asked), 1 the execution failed, 2 invalid plan, 3 cancelled \
        by a control command, 4 the execution's state does not allow the request, 64 bad usage, 66 an \
        input is missing or unreadable, 73 the store cannot be created or written, 75 the execution is \
        owned by another live process, 78 configuration problem, 130 cancelled by Ctrl-C or SIGTERM.
        """

    /// The code for a store error.
    static func code(for error: StoreError) -> Int32 {
        switch error.code {
        case .notFound: noInput
        case .owned, .lostOwnership: owned
        case .state: wrongState
        default: cannotWrite
        }
    }

    /// Prints `message` on standard error (after `tide: `) and exits with `code`.
    static func fail(_ code: Int32, _ message: String) -> ExitCode {
        Terminal.standardError.write("tide: \(message)\n")
        return ExitCode(code)
    }
}

/// Runs store work; on failure prints the error and exits with its code (``TideExit/code(for:)``).
func failing<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as StoreError {
        throw TideExit.fail(TideExit.code(for: error), error.message)
    } catch {
        throw TideExit.fail(TideExit.cannotWrite, "\(error)")
    }
}
