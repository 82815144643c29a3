import ArgumentParser
import Foundation
import Tide

/// `tide alerts`: what an alert folder defines, as a run would load it.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List the alert handlers of a folder (id, version, file, condition) and any load error.")

    @OptionGroup var scripts: ScriptOptions

    func run() async throws {
        guard let folder = scripts.alertsFolder else {
            print("no alerts folder (give --alerts DIR)")
            return
        }
        let engine = DefaultExecutionEngine()
        let alerts = LuaAlertFolder(
            path: folder, scripts: try await LuaScripts(engine: engine),
            monitoring: DefaultMonitoringSystem(engine: engine, samplingInterval: nil))
        let reports = await alerts.reload()
        print("alert handlers in \(folder):")
        var broken = false
        for status in await alerts.status {
            let name = URL(fileURLWithPath: status.file).lastPathComponent
            if let id = status.id, let version = status.version, let condition = status.condition {
                let duration = condition.duration.map { " for \(Int($0)) ms" } ?? ""
                print(
                    "  \(id)  version \(version)  \(name)  "
                        + "\(condition.metric) \(condition.operator.rawValue) \(condition.threshold)\(duration)")
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
