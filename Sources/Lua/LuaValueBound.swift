/// How a value copied from Lua is named in errors and how large it may be.
///
/// Every copy from Lua is bounded by the state's ``LuaLimits`` (depth, element count). A bound
/// adds a name and a size: errors name the part of the value at fault by its key path from
/// ``name`` (`ctx.state.deep.inner[3]`), and a value larger than ``maxBytes`` is refused with
/// ``LuaError/Code/valueTooLarge`` as soon as the copy passes that size, so a huge value is never
/// copied whole.
///
/// The size of a value is the size of its JSON text, approximately: a string counts its bytes plus
/// two, a number 8, `nil` and booleans 5, a table 2 plus one per entry and the size of its keys.
///
/// ```swift
/// let bound = LuaValueBound(name: "ctx.state", maxBytes: 16 << 20, limitName: "maxStateBytes")
/// let value = try frame.value(1, bound: bound)
/// ```
public struct LuaValueBound: Sendable, Hashable {
    /// How scripts name the value (`ctx.state`, `the result of task 'fetch'`).
    public var name: String
    /// The largest size allowed, in bytes, or `nil` for no size limit.
    public var maxBytes: Int?
    /// The name of the limit ``maxBytes`` comes from, shown in errors (`maxStateBytes`).
    public var limitName: String

    /// Creates a bound.
    public init(name: String, maxBytes: Int? = nil, limitName: String = "the size limit") {
        self.name = name
        self.maxBytes = maxBytes
        self.limitName = limitName
    }

    /// A bound that only names the value.
    public static func named(_ name: String) -> LuaValueBound { LuaValueBound(name: name) }
}

extension Int {
    /// `512 bytes`, `64 KiB`, `16 MiB`, `1.5 GiB`: a size for messages.
    public var byteCountText: String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(self)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(self) bytes" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }
}

extension String {
    /// Whether the string is a Lua name, so that it can follow a dot in a key path (`a.b`).
    public var isLuaName: Bool {
        guard let first = utf8.first, first == UInt8(ascii: "_") || (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A)
        else { return false }
        return utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39)
        }
    }
}
