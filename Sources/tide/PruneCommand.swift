import ArgumentParser
import Foundation
import Tide

/// `tide prune --older-than 30d`: deletes old finished executions.
struct PruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Delete finished executions that ended longer ago than a duration.")

    @Option(help: ArgumentHelp("How long ago they ended: 30d, 12h, 90m, …", valueName: "duration"))
    var olderThan: String

    @OptionGroup var storage: StoreOptions

    func validate() throws {
        if case .failure(let error) = DurationText.parse(olderThan) {
            throw ValidationError("--older-than: \(error)")
        }
    }

    func run() async throws {
        let store = try storage.openExisting()
        guard case .success(let age) = DurationText.parse(olderThan) else { return }
        let seconds = age.seconds
        let count = try failing { try store.prune(endedBefore: Date().addingTimeInterval(-seconds)) }
        print("pruned \(count) execution\(count == 1 ? "" : "s") that ended more than \(olderThan) ago")
    }
}
