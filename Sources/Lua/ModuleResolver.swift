#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds the file a `require` name refers to, inside a fixed list of folders only.
///
/// A module name is dot-separated Lua names (`tide.plan`); anything else (slashes, `..`, empty
/// parts) is refused, so a name can never leave the search folders. `a.b` is looked up as
/// `<folder>/a/b.lua`, then `<folder>/a/b/init.lua`, folder by folder. A file whose real path
/// (symbolic links resolved) lies outside its folder is refused.
struct ModuleResolver: Sendable {
    /// A module found on disk.
    struct Module {
        var path: String
        var source: [UInt8]
        /// The search folder it was found in.
        var folder: String
    }

    let searchPaths: [String]
    let maxSourceBytes: Int

    /// The module called `name`, or the error `require` should raise.
    func resolve(_ name: String) -> Result<Module, LuaError> {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !parts.isEmpty, parts.allSatisfy({ String($0).isLuaIdentifier }) else {
            return .failure(
                LuaError(
                    .sandboxViolation,
                    "require: '\(name)' is not a module name (expected names separated by dots, like 'tide.plan')"))
        }
        let relative = parts.joined(separator: "/")
        var tried: [String] = []
        for folder in searchPaths {
            for candidate in ["\(folder)/\(relative).lua", "\(folder)/\(relative)/init.lua"] {
                tried.append(candidate)
                guard isRegularFile(candidate) else { continue }
                guard isInside(candidate, folder: folder) else {
                    return .failure(
                        LuaError(
                            .sandboxViolation,
                            "require: \(candidate) resolves outside its search folder \(folder) (a symbolic link?)"))
                }
                do {
                    return .success(
                        Module(
                            path: candidate, source: try SourceFile.read(candidate, maxBytes: maxSourceBytes),
                            folder: folder))
                } catch {
                    return .failure(error)
                }
            }
        }
        let list = tried.isEmpty ? "the sandbox has no module folders" : "tried " + tried.joined(separator: ", ")
        return .failure(LuaError(.moduleNotFound, "module '\(name)' not found: \(list)"))
    }

    private func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private func isInside(_ path: String, folder: String) -> Bool {
        guard let file = realPath(path), let root = realPath(folder) else { return false }
        return file.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    private func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
