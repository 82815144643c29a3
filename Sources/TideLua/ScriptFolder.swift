import Foundation

/// The `.lua` files of a folder and what changed in them since the last look.
struct ScriptFolder {
    /// The folder.
    let path: String
    private var hashes: [String: String] = [:]

    init(path: String) { self.path = path }

    /// The files, sorted by name (their order of registration).
    func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".lua") && !$0.hasPrefix(".") }
            .sorted().map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
    }

    /// Files whose text changed (or are new) with their text, and files that are gone.
    mutating func changes() throws -> (changed: [(file: String, source: String)], removed: [String]) {
        let files = try files()
        var changed: [(String, String)] = []
        for file in files {
            guard let source = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let hash = StoredHash.of(source)
            if hashes[file] != hash {
                hashes[file] = hash
                changed.append((file, source))
            }
        }
        let removed = hashes.keys.filter { !files.contains($0) }.sorted()
        for file in removed { hashes[file] = nil }
        return (changed, removed)
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
