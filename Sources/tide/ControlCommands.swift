import ArgumentParser
import Foundation
import Tide

/// Sends a control request to the process running an execution and waits for its answer.
enum ControlRequest {
    static func send(_ command: String, to execution: StoredExecution, in store: ExecutionStore) async throws {
        guard execution.isLive() else {
            let heard =
                execution.heartbeatAt.map { " (last heard from \(Int(Date().timeIntervalSince($0))) s ago)" } ?? ""
            throw TideExit.fail(
                TideExit.wrongState,
                "execution \(execution.id) is \(execution.status.rawValue) and not running in any process\(heard)"
                    + (execution.status.isFinal ? "" : "; `tide resume \(execution.id)` continues it here"))
        }
        let request = try failing { try store.requestControl(execution.id, command) }
        // The running process looks four times a second; give it a few seconds.
        for _ in 0..<50 {
            if let outcome = try failing({ try store.controlOutcome(request) }) {
                guard outcome == "ok" else { throw TideExit.fail(TideExit.wrongState, outcome) }
                print("\(command == "cancel" ? "cancelling" : command + "d") execution \(execution.id)")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TideExit.fail(
            TideExit.owned,
            "process \(execution.pid ?? 0), which owns execution \(execution.id), did not answer within 5 s; the "
                + "request stays queued for it")
    }
}

/// `tide pause ID`: pauses an execution running in another tide process.
struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause an execution running in another tide process.")

    @OptionGroup var reference: ExecutionReference

    func run() async throws {
        let (store, execution) = try reference.resolve()
        try await ControlRequest.send("pause", to: execution, in: store)
    }
}

/// `tide cancel ID`: cancels an execution running in another tide process.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel an execution running in another tide process.")

    @OptionGroup var reference: ExecutionReference

    func run() async throws {
        let (store, execution) = try reference.resolve()
        try await ControlRequest.send("cancel", to: execution, in: store)
    }
}
