/// A Lua string: a sequence of bytes that need not be UTF-8 and may contain NUL.
///
/// Lua strings are byte strings. `LuaString` keeps the bytes exactly, so a value that goes from
/// Lua to Swift and back is unchanged even when it is not valid text. Equality and hashing are by
/// bytes, so two strings Swift would consider canonically equivalent stay distinct, as in Lua.
///
/// ```swift
/// let name: LuaString = "extract"
/// name.string          // "extract"
/// LuaString(bytes: [0xff, 0x00]).string   // nil: not UTF-8
/// ```
public struct LuaString: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The bytes of the string.
    public var bytes: [UInt8]

    /// Creates a string from its bytes.
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Creates a string holding the UTF-8 encoding of `string`.
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// Creates a string from a literal.
    public init(stringLiteral value: String) { self.init(value) }

    /// The string as text, or `nil` if its bytes are not valid UTF-8.
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    /// The string as text, with invalid UTF-8 replaced by U+FFFD.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The number of bytes, as Lua's `#` operator counts.
    public var count: Int { bytes.count }

    /// Orders strings bytewise, as Lua's `<` does in the C locale.
    public static func < (lhs: LuaString, rhs: LuaString) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
