public import Lua
public import TideCore

/// Converts between Lua values and the engine's plain data (``JSONValue``).
///
/// Data is `nil`, booleans, numbers, strings and tables of those. Tables whose keys are `1…n`
/// become arrays; other tables become objects, their integer keys written as strings. A function,
/// coroutine or userdata, a NaN or infinite number, or a key that is neither a string nor an
/// integer is refused with an error that names where it is (`ctx.state.handlers[2]`).
public enum DataConversion {
    /// Lua's form of a JSON value: `null` becomes `nil`, objects and arrays become tables.
    public static func lua(_ value: JSONValue) -> LuaValue {
        switch value {
        case .null: .nil
        case .bool(let b): .boolean(b)
        case .int(let i): .integer(i)
        case .double(let d): .number(d)
        case .string(let s): .string(LuaString(s))
        case .array(let elements): .array(elements.map(lua))
        case .object(let fields):
            .map(Dictionary(uniqueKeysWithValues: fields.map { (LuaValue.string(LuaString($0.key)), lua($0.value)) }))
        }
    }

    /// Lua's form of a JSON object.
    public static func lua(_ fields: [String: JSONValue]) -> LuaValue {
        lua(.object(fields))
    }

    /// The data a Lua value holds.
    ///
    /// - Parameters:
    ///   - value: The value.
    ///   - path: How the script names the value, for errors (`ctx.state`, `result`).
    /// - Throws: ``LuaError/Code/invalidValue`` naming the first part that is not data.
    public static func json(_ value: LuaValue, path: String) throws(LuaError) -> JSONValue {
        switch value {
        case .nil: return .null
        case .boolean(let b): return .bool(b)
        case .integer(let i): return .int(i)
        case .number(let d):
            guard d.isFinite else { throw notData(path, "the number \(d)", "use a finite number") }
            return .double(d)
        case .string(let s): return .string(s.string ?? String(decoding: s.bytes, as: UTF8.self))
        case .array(let elements):
            var result: [JSONValue] = []
            result.reserveCapacity(elements.count)
            for (offset, element) in elements.enumerated() {
                result.append(try json(element, path: "\(path)[\(offset + 1)]"))
            }
            return .array(result)
        case .map(let fields):
            var result: [String: JSONValue] = [:]
            for (key, element) in fields {
                let name: String
                switch key {
                case .string(let s): name = s.string ?? String(decoding: s.bytes, as: UTF8.self)
                case .integer(let i): name = String(i)
                default:
                    throw notData(path, "a key of type \(key.typeName) (\(key))", "use string or integer keys")
                }
                let childPath = key.stringValue.map { $0.isPlainName ? "\(path).\($0)" : "\(path)[\"\($0)\"]" }
                result[name] = try json(element, path: childPath ?? "\(path)[\(name)]")
            }
            return .object(result)
        case .function, .thread, .userdata, .table:
            throw notData(
                path, "a \(value.typeName)", "store data only: nil, booleans, numbers, strings and tables of those")
        }
    }

    /// The data a Lua value holds, as an object (`nil` becomes an empty object).
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` if the value is not a table of data.
    public static func object(_ value: LuaValue, path: String) throws(LuaError) -> [String: JSONValue] {
        switch try json(value, path: path) {
        case .null: return [:]
        case .object(let fields): return fields
        case .array(let elements) where elements.isEmpty: return [:]
        default:
            throw LuaError(.invalidValue, "\(path) must be a table with named fields, got \(value.typeName)")
        }
    }

    private static func notData(_ path: String, _ what: String, _ hint: String) -> LuaError {
        LuaError(.invalidValue, "\(path) holds \(what), which is not data: \(hint)")
    }
}

extension String {
    /// Whether the string can follow a dot in a Lua path (`a.b`).
    var isPlainName: Bool {
        guard let first = utf8.first, first == UInt8(ascii: "_") || (first | 0x20 >= 0x61 && first | 0x20 <= 0x7A)
        else { return false }
        return utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39)
        }
    }
}
