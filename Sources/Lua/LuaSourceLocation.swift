/// A place in Lua source: a chunk's display name and a line, as error messages show them.
///
/// ```swift
/// let place = lua.definition(of: run)   // plans/etl.lua:12
/// ```
public struct LuaSourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The chunk's display name: a file path, `name@version` for a hot-swapped script, or a label.
    public var chunk: String
    /// The 1-based line.
    public var line: Int

    /// Creates a location.
    public init(chunk: String, line: Int) {
        self.chunk = chunk
        self.line = line
    }

    /// `chunk:line`.
    public var description: String { "\(chunk):\(line)" }
}
