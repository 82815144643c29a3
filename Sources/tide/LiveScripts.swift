import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import Tide

#if canImport(Glibc)
    import Glibc
#endif

/// The `--recovery` and `--alerts` options of the commands that run executions.
struct ScriptOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The folder of Lua recovery strategies, watched and hot-swapped (default: the shipped scripts/recovery).",
            valueName: "dir"))
    var recovery: String?

    @Option(
        help: ArgumentHelp(
            "The folder of Lua alert handlers, watched and hot-swapped (default: the shipped scripts/alerts).",
            valueName: "dir"))
    var alerts: String?

    @Flag(help: "Use no recovery strategies.")
    var noRecovery = false

    @Flag(help: "Use no alert handlers.")
    var noAlerts = false

    /// The strategies folder in use, if any.
    var recoveryFolder: String? { noRecovery ? nil : recovery ?? Self.shipped("recovery") }

    /// The alert handlers folder in use, if any.
    var alertsFolder: String? { noAlerts ? nil : alerts ?? Self.shipped("alerts") }

    /// Exits with 78 if `--recovery` or `--alerts` names something that is not a folder.
    func checkFolders() throws {
        for (option, folder) in [("--recovery", noRecovery ? nil : recovery), ("--alerts", noAlerts ? nil : alerts)] {
            guard let folder else { continue }
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
                throw TideExit.fail(
                    TideExit.configuration, "\(option) \(folder): no such folder (give a folder of .lua scripts)")
            }
        }
    }

    /// `scripts/NAME` (or `share/tide/NAME`) found walking up from the executable.
    static func shipped(_ name: String) -> String? {
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            for candidate in ["scripts/\(name)", "share/tide/\(name)"] {
                var isFolder: ObjCBool = false
                let path = folder.appendingPathComponent(candidate).path
                if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                    return path
                }
            }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }
}

/// Recovery strategies and alert handlers loaded for one engine, kept current while it runs: the
/// folders are watched (and reloaded on SIGHUP), and what each reload did is reported in the
/// execution's log and timeline.
final class LiveScripts {
    let reloader: Reloader
    private var watchers: [FolderWatcher] = []

    /// Loads the folders (reporting problems of the first load on standard error) and starts watching them.
    init(engine: DefaultExecutionEngine, options: ScriptOptions, stdlib: String?) async throws {
        var scripts: LuaScripts?
        if options.recoveryFolder != nil || options.alertsFolder != nil {
            scripts = try await LuaScripts(
                engine: engine,
                options: LuaScriptOptions(
                    stdlibPath: stdlib,
                    log: { level, text in Terminal.standardError.write("tide: \(level.rawValue) \(text)\n") }))
        }
        var strategies: LuaStrategyFolder?
        var alerts: LuaAlertFolder?
        var monitoring: DefaultMonitoringSystem?
        if let scripts, let folder = options.recoveryFolder {
            strategies = LuaStrategyFolder(path: folder, scripts: scripts, registry: engine.recoveryStrategies)
        }
        if let scripts, let folder = options.alertsFolder {
            let system = DefaultMonitoringSystem(engine: engine)
            monitoring = system
            alerts = LuaAlertFolder(path: folder, scripts: scripts, monitoring: system)
        }
        let reloader = Reloader(engine: engine, strategies: strategies, alerts: alerts, monitoring: monitoring)
        self.reloader = reloader
        for report in await reloader.reloadAll() where report.isRejection {
            Terminal.standardError.write("tide: WARNING \(report)\n")
        }
        for folder in [options.recoveryFolder, options.alertsFolder].compactMap({ $0 }) {
            watchers.append(FolderWatcher(path: folder) { reloader.reloadInBackground() })
        }
        SignalPipe.install(SIGHUP) { _ in reloader.reloadInBackground() }
    }

    /// From now on, reloads are reported in this execution, and its alerts are watched.
    func attach(_ executionId: String) async throws {
        reloader.executionId.withLock { $0 = executionId }
        try await reloader.monitoring?.startMonitoring(executionId)
    }

    /// Stops watching.
    func stop() {
        for watcher in watchers { watcher.stop() }
        watchers.removeAll()
    }
}

/// Reloads the folders and reports what happened; called from watchers and signal handlers.
final class Reloader: Sendable {
    let engine: DefaultExecutionEngine
    let strategies: LuaStrategyFolder?
    let alerts: LuaAlertFolder?
    let monitoring: DefaultMonitoringSystem?
    let executionId = Mutex<String?>(nil)

    init(
        engine: DefaultExecutionEngine, strategies: LuaStrategyFolder?, alerts: LuaAlertFolder?,
        monitoring: DefaultMonitoringSystem?
    ) {
        self.engine = engine
        self.strategies = strategies
        self.alerts = alerts
        self.monitoring = monitoring
    }

    func reloadAll() async -> [ScriptLoadReport] {
        var reports: [ScriptLoadReport] = []
        if let strategies { reports += await strategies.reload() }
        if let alerts { reports += await alerts.reload() }
        return reports
    }

    func reloadInBackground() {
        Task {
            let reports = await reloadAll()
            guard !reports.isEmpty else { return }
            guard let executionId = executionId.withLock({ $0 }) else {
                for report in reports { Terminal.standardError.write("tide: \(report)\n") }
                return
            }
            for report in reports {
                let level: MessageLevel = report.isRejection ? .warning : .info
                try? await engine.log(executionId, level, report.description)
                try? await engine.emit(executionId, "script \(report)", data: ["file": .string(report.file)])
            }
        }
    }
}
