import Foundation
public import TideCore

/// The recovery strategies of a folder of Lua files, hot-swapped into an engine (DESIGN.md rule 6).
///
/// ``reload()`` compiles every new or changed file in a fresh environment first; a broken file is
/// rejected with its error and the version before it stays in force; a good one replaces it in
/// one step. Strategies are asked in file-name order (`10-circuit-breaker.lua` before
/// `20-backoff.lua`). Each load of a file gets the next version number, which recovery events and
/// `RECOVERY_FAILED` messages name; a call in flight finishes on the version it started with.
public actor LuaStrategyFolder {
    /// The state of one file.
    public struct FileStatus: Sendable, Hashable {
        /// The file.
        public var file: String
        /// The strategy in force from it, if any.
        public var id: String?
        /// The version in force.
        public var version: Int?
        /// The content hash of the text in force.
        public var hash: String?
        /// The codes it handles.
        public var applicableErrors: [String]
        /// The error of the last rejected text, if the last load failed.
        public var lastError: String?
    }

    /// The folder.
    public nonisolated let path: String
    private let scripts: LuaScripts
    private let registry: RecoveryRegistry
    private var folder: ScriptFolder
    private var inForce: [String: LuaRecoveryStrategy] = [:]
    private var registered: Set<String> = []

    /// Watches nothing yet: call ``reload()`` to load the folder.
    public init(path: String, scripts: LuaScripts, registry: RecoveryRegistry) {
        self.path = path
        self.scripts = scripts
        self.registry = registry
        self.folder = ScriptFolder(path: path)
    }

    /// Loads what changed since the last reload and puts the result in force; returns what happened.
    /// A reload asked for while one runs is folded into it (it looks again when it is done).
    public func reload() async -> [ScriptLoadReport] {
        guard folder.enter() else { return [] }
        var reports: [ScriptLoadReport] = []
        repeat { reports += await reloadOnce() } while folder.again()
        return reports
    }

    private func reloadOnce() async -> [ScriptLoadReport] {
        let changed: [(file: String, source: String)]
        let removed: [String]
        switch folder.changes() {
        case .found(let files, let gone): (changed, removed) = (files, gone)
        case .unreadable(let report): return [report]
        }
        var reports: [ScriptLoadReport] = []
        for file in removed {
            if let gone = inForce.removeValue(forKey: file) {
                reports.append(ScriptLoadReport(file: file, kind: .removed(id: gone.id)))
            }
        }
        for (file, source) in changed {
            let version = folder.nextVersion(of: file)
            do {
                let strategy = try await LuaRecoveryStrategy.load(
                    source: source, file: file, version: version, scripts: scripts)
                if let clash = inForce.first(where: { $0.key != file && $0.value.id == strategy.id }) {
                    throw LuaScriptFailure(
                        "\(URL(fileURLWithPath: file).lastPathComponent): id '\(strategy.id)' is already used by "
                            + URL(fileURLWithPath: clash.key).lastPathComponent)
                }
                inForce[file] = strategy
                reports.append(folder.loaded(file, id: strategy.id, version: version, hash: strategy.hash))
            } catch {
                reports.append(folder.rejected(file, "\(error)"))
            }
        }
        let ordered = inForce.keys.sorted().compactMap { inForce[$0] }
        registry.replace(registered, with: ordered)
        registered = Set(ordered.map(\.id))
        return reports
    }

    /// Every file seen, with what is in force from it and its last error.
    public var status: [FileStatus] {
        let errors = folder.errors
        let files = Set(inForce.keys).union(errors.keys).sorted()
        return files.map { file in
            let strategy = inForce[file]
            return FileStatus(
                file: file, id: strategy?.id, version: strategy.flatMap { $0.version.flatMap(Int.init) },
                hash: strategy?.hash, applicableErrors: strategy?.applicableErrors ?? [], lastError: errors[file])
        }
    }
}
