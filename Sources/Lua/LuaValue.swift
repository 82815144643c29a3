/// A Lua value copied into Swift, or a Swift value to give to Lua.
///
/// Conversion keeps what Lua distinguishes: integers and floats stay apart (`1` is
/// ``integer(_:)``, `1.0` is ``number(_:)``), strings are bytes (``LuaString``), and tables
/// become ``array(_:)`` when their keys are exactly `1…n`, otherwise ``map(_:)``. An empty table
/// is an empty ``map(_:)``. Functions, coroutines and userdata cannot be copied; they arrive as
/// ``LuaReference`` handles to the value in its state.
///
/// Conversion from Lua uses raw access only (no metamethod runs), bounds the nesting depth and the
/// number of elements, and refuses cycles, so a hostile returned table cannot hang or crash the host.
///
/// ```swift
/// let value: LuaValue = ["id": "extract", "retries": 3, "tags": ["etl", "nightly"]]
/// value["retries"]?.intValue   // 3
/// ```
public enum LuaValue: Sendable, Hashable {
    /// Lua's `nil`.
    case `nil`
    /// `true` or `false`.
    case boolean(Bool)
    /// A Lua integer (64-bit).
    case integer(Int)
    /// A Lua float.
    case number(Double)
    /// A Lua string, as bytes.
    case string(LuaString)
    /// A table whose keys are exactly the integers `1…n`, in order.
    case array([LuaValue])
    /// Any other table, including the empty one.
    case map([LuaValue: LuaValue])
    /// A Lua or host function.
    case function(LuaReference)
    /// A coroutine.
    case thread(LuaReference)
    /// A full or light userdata.
    case userdata(LuaReference)
    /// A table kept in its state, given to Lua as itself (not copied). Conversion from Lua never
    /// produces it: tables read from Lua are copied into ``array(_:)`` or ``map(_:)``. Make one
    /// with ``LuaState/reference(to:)`` or ``LuaCallFrame/reference(_:)``.
    case table(LuaReference)

    /// The name Lua's `type()` gives this value.
    public var typeName: String {
        switch self {
        case .nil: "nil"
        case .boolean: "boolean"
        case .integer, .number: "number"
        case .string: "string"
        case .array, .map, .table: "table"
        case .function: "function"
        case .thread: "thread"
        case .userdata: "userdata"
        }
    }

    /// The text of a string value that is valid UTF-8, else `nil`.
    public var stringValue: String? {
        if case .string(let s) = self { return s.string }
        return nil
    }

    /// An integer, or a float with an exact integer value, else `nil`.
    public var intValue: Int? {
        switch self {
        case .integer(let i): i
        case .number(let d): Int(exactly: d)
        default: nil
        }
    }

    /// Any number as a `Double`, else `nil`.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }

    /// The value of a boolean, else `nil`.
    public var boolValue: Bool? {
        if case .boolean(let b) = self { return b }
        return nil
    }

    /// The elements of an array (an empty map counts as an empty array), else `nil`.
    public var arrayValue: [LuaValue]? {
        switch self {
        case .array(let elements): elements
        case .map(let fields) where fields.isEmpty: []
        default: nil
        }
    }

    /// The entries of a map (an array counts, with integer keys), else `nil`.
    public var mapValue: [LuaValue: LuaValue]? {
        switch self {
        case .map(let fields): fields
        case .array(let elements):
            Dictionary(uniqueKeysWithValues: elements.enumerated().map { (.integer($0.offset + 1), $0.element) })
        default: nil
        }
    }

    /// Whether Lua considers the value true (everything but `nil` and `false`).
    public var isTruthy: Bool {
        switch self {
        case .nil, .boolean(false): false
        default: true
        }
    }

    /// The field `key` of a table, or `nil` when this is not a table or has no such field.
    public subscript(key: String) -> LuaValue? {
        if case .map(let fields) = self { return fields[.string(LuaString(key))] }
        return nil
    }

    /// The element at 1-based `index` of a table, or `nil`.
    public subscript(index: Int) -> LuaValue? {
        switch self {
        case .array(let elements): elements.indices.contains(index - 1) ? elements[index - 1] : nil
        case .map(let fields): fields[.integer(index)]
        default: nil
        }
    }
}

extension LuaValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `nil`.
    public init(nilLiteral: ()) { self = .nil }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    /// An integer.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// A float.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(LuaString(value)) }
    /// An array table.
    public init(arrayLiteral elements: LuaValue...) { self = .array(elements) }
    /// A map table; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (LuaValue, LuaValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension LuaValue: CustomStringConvertible {
    /// A Lua-like rendering for logs and test messages: `{1, 2}`, `{id = "x"}`, `"text"`.
    public var description: String {
        switch self {
        case .nil: return "nil"
        case .boolean(let b): return String(b)
        case .integer(let i): return String(i)
        case .number(let d): return "\(d)"
        case .string(let s): return "\"\(s)\""
        case .array(let elements): return "{" + elements.map(\.description).joined(separator: ", ") + "}"
        case .map(let fields):
            let entries = fields.map { key, value in
                if case .string(let s) = key, let text = s.string, text.isLuaIdentifier {
                    return "\(text) = \(value)"
                }
                return "[\(key)] = \(value)"
            }
            return "{" + entries.sorted().joined(separator: ", ") + "}"
        case .function(let r), .thread(let r), .userdata(let r), .table(let r): return r.description
        }
    }
}

extension String {
    /// Whether the string is a valid Lua name (`[A-Za-z_][A-Za-z0-9_]*`).
    var isLuaIdentifier: Bool {
        guard let first = utf8.first, first == UInt8(ascii: "_") || first.isASCIILetter else { return false }
        return utf8.allSatisfy { $0 == UInt8(ascii: "_") || $0.isASCIILetter || $0.isASCIIDigit }
    }
}

extension UInt8 {
    var isASCIILetter: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
    var isASCIIDigit: Bool { (0x30...0x39).contains(self) }
}
