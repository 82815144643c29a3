/// The name a compiled chunk carries into error messages and tracebacks.
///
/// Lua prefixes chunk names: `@` for a file (messages show the path), `=` for a literal name.
/// Hot-swapped scripts are named `name@version` so a traceback says which version ran
/// (notes/lua-embedding.md rule 17).
///
/// ```swift
/// LuaChunkName.file("scripts/plans/hello.lua").rawValue          // "@scripts/plans/hello.lua"
/// LuaChunkName.script(name: "backoff", version: 3).rawValue      // "=backoff@3"
/// ```
public enum LuaChunkName: Sendable, Hashable, CustomStringConvertible {
    /// A source file, named by its path.
    case file(String)
    /// A hot-swapped script, named by its name and version number.
    case script(name: String, version: Int)
    /// Any other name, shown as given.
    case label(String)

    /// The chunk name as Lua receives it, with its `@` or `=` prefix.
    public var rawValue: String {
        switch self {
        case .file(let path): "@" + path
        case .script(let name, let version): "=\(name)@\(version)"
        case .label(let label): "=" + label
        }
    }

    /// The name as error messages show it, without the prefix.
    public var description: String { String(rawValue.dropFirst()) }
}
