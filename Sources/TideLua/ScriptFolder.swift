import Foundation
import TideCore

/// The `.lua` files of a folder and their bookkeeping across reloads: what changed since the last
/// look, the version each load gets, the last error of each file, and one reload at a time.
struct ScriptFolder {
    /// The folder.
    let path: String
    private var hashes: [String: String] = [:]
    private var versions: [String: Int] = [:]
    /// The error of each file whose last text was rejected.
    private(set) var errors: [String: String] = [:]
    private var reloading = false
    private var reloadAgain = false

    init(path: String) { self.path = path }

    /// Starts a reload; `false` if one is running (it will look again when it is done).
    mutating func enter() -> Bool {
        if reloading {
            reloadAgain = true
            return false
        }
        reloading = true
        return true
    }

    /// Whether the running reload must look again (a reload was asked for meanwhile); ends it if not.
    mutating func again() -> Bool {
        if reloadAgain {
            reloadAgain = false
            return true
        }
        reloading = false
        return false
    }

    /// Files whose text changed (or are new) with their text, and files that are gone; a folder
    /// that cannot be read is a rejection report.
    mutating func changes() -> Changes {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { $0.hasSuffix(".lua") && !$0.hasPrefix(".") }.sorted()
                .map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
        } catch {
            return .unreadable(
                ScriptLoadReport(
                    file: path, kind: .rejected(error: "cannot read the folder: \(error.localizedDescription)")))
        }
        var changed: [(String, String)] = []
        for file in files {
            guard let source = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let hash = contentHash(source)
            if hashes[file] != hash {
                hashes[file] = hash
                changed.append((file, source))
            }
        }
        let removed = hashes.keys.filter { !files.contains($0) }.sorted()
        for file in removed {
            hashes[file] = nil
            errors[file] = nil
        }
        return .found(changed: changed, removed: removed)
    }

    /// What ``changes()`` found.
    enum Changes {
        /// Files whose text changed (or are new) with their text, and files that are gone.
        case found(changed: [(file: String, source: String)], removed: [String])
        /// The folder cannot be read.
        case unreadable(ScriptLoadReport)
    }

    /// The version number the next load of `file` gets.
    mutating func nextVersion(of file: String) -> Int {
        let version = (versions[file] ?? 0) + 1
        versions[file] = version
        return version
    }

    /// Records a load that is now in force.
    mutating func loaded(_ file: String, id: String, version: Int, hash: String) -> ScriptLoadReport {
        errors[file] = nil
        return ScriptLoadReport(file: file, kind: .loaded(id: id, version: version, hash: hash))
    }

    /// Records a rejected text (the previous version stays in force).
    mutating func rejected(_ file: String, _ error: String) -> ScriptLoadReport {
        errors[file] = error
        return ScriptLoadReport(file: file, kind: .rejected(error: error))
    }
}

/// What happened to one script file at a reload.
public struct ScriptLoadReport: Sendable, Hashable, CustomStringConvertible {
    /// What happened.
    public enum Kind: Sendable, Hashable {
        /// A new version is in force.
        case loaded(id: String, version: Int, hash: String)
        /// The new text is broken; the previous version (if any) stays in force.
        case rejected(error: String)
        /// The file is gone, and what it defined with it.
        case removed(id: String)
    }

    /// The file.
    public var file: String
    /// What happened.
    public var kind: Kind

    /// A sentence for logs.
    public var description: String {
        let name = URL(fileURLWithPath: file).lastPathComponent
        switch kind {
        case .loaded(let id, let version, let hash): return "loaded '\(id)' version \(version) from \(name) (\(hash))"
        case .rejected(let error): return "rejected the new text of \(name), the previous version stays: \(error)"
        case .removed(let id): return "removed '\(id)': \(name) is gone"
        }
    }

    /// Whether it is a rejection (reported as a warning).
    public var isRejection: Bool {
        if case .rejected = kind { return true }
        return false
    }
}
