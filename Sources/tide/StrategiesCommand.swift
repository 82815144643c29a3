import ArgumentParser
import Foundation
import Tide

/// `tide strategies`: what a recovery folder defines, as a run would load it.
struct StrategiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies",
        abstract: "List the recovery strategies of a folder (id, version, file, errors) and any load error.")

    @OptionGroup var scripts: ScriptOptions

    func run() async throws {
        guard let folder = scripts.recoveryFolder else {
            print("no recovery folder (give --recovery DIR)")
            return
        }
        let engine = DefaultExecutionEngine()
        let strategies = LuaStrategyFolder(
            path: folder, scripts: try await LuaScripts(engine: engine), registry: engine.recoveryStrategies)
        let reports = await strategies.reload()
        print("recovery strategies in \(folder), asked in this order:")
        var broken = false
        for status in await strategies.status {
            let name = URL(fileURLWithPath: status.file).lastPathComponent
            if let id = status.id, let version = status.version {
                print("  \(id)  version \(version)  \(name)  \(status.applicableErrors.joined(separator: ", "))")
            }
            if let error = status.lastError {
                broken = true
                print("  \(name): NOT LOADED: \(error)")
            }
        }
        for report in reports where report.isRejection && !report.file.hasSuffix(".lua") {
            broken = true
            print("  \(report)")
        }
        if broken { throw ExitCode(TideExit.configuration) }
    }
}
