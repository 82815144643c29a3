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
        var bytes = 0
        return try convert(value, path: path, &bytes)
    }

    /// The data a Lua value holds and its size (as ``LuaValueBound`` counts it: about its JSON size).
    ///
    /// - Throws: ``LuaError/Code/invalidValue`` naming the first part that is not data.
    public static func sized(_ value: LuaValue, path: String) throws(LuaError) -> (value: JSONValue, bytes: Int) {
        var bytes = 0
        let converted = try convert(value, path: path, &bytes)
        return (converted, bytes)
    }

    private static func convert(_ value: LuaValue, path: String, _ bytes: inout Int) throws(LuaError) -> JSONValue {
        switch value {
        case .nil:
            bytes += 5
            return .null
        case .boolean(let b):
            bytes += 5
            return .bool(b)
        case .integer(let i):
            bytes += 8
            return .int(i)
        case .number(let d):
            guard d.isFinite else { throw notData(path, "the number \(d)", "use a finite number") }
            bytes += 8
            return .double(d)
        case .string(let s):
            bytes += s.bytes.count + 2
            guard let text = s.string else {
                throw notData(
                    path, "a string that is not valid UTF-8 (\(s.bytes.count) bytes)",
                    "data strings are UTF-8 text: encode bytes first (as hex, or base64)")
            }
            return .string(text)
        case .array(let elements):
            bytes += 2 + elements.count
            var result: [JSONValue] = []
            result.reserveCapacity(elements.count)
            for (offset, element) in elements.enumerated() {
                result.append(try convert(element, path: "\(path)[\(offset + 1)]", &bytes))
            }
            return .array(result)
        case .map(let fields):
            bytes += 2
            var result: [String: JSONValue] = [:]
            for (key, element) in fields {
                let name: String
                switch key {
                case .string(let s):
                    guard let text = s.string else {
                        throw notData(path, "a key that is not valid UTF-8", "data keys are UTF-8 text")
                    }
                    name = text
                case .integer(let i): name = String(i)
                default:
                    throw notData(path, "a key of type \(key.typeName) (\(key))", "use string or integer keys")
                }
                bytes += name.utf8.count + 4
                let childPath = key.stringValue.map { $0.isLuaName ? "\(path).\($0)" : "\(path)[\"\($0)\"]" }
                result[name] = try convert(element, path: childPath ?? "\(path)[\(name)]", &bytes)
            }
            return .object(result)
        case .function, .thread, .userdata, .table:
            throw notData(
                path, "a \(value.typeName)", "store data only: nil, booleans, numbers, strings and tables of those")
        }
    }

    /// `value` with the fields it has in common with `previous` (both tables with named fields)
    /// replaced by `previous`'s own values, so that the two share them; with the bytes of the fields
    /// that are new or changed (`added`) and of `previous`'s fields that were replaced or removed
    /// (`freed`). Both are `nil` when the two are not both tables with named fields.
    public static func share(_ value: JSONValue, with previous: JSONValue?) -> (
        value: JSONValue, added: Int?, freed: Int?
    ) {
        guard case .object(var fields) = value, case .object(let before)? = previous else { return (value, nil, nil) }
        var added = 0
        var freed = 0
        for (key, field) in fields {
            if let old = before[key], old == field {
                fields[key] = old
            } else {
                added += size(field) + key.utf8.count + 4
                if let old = before[key] { freed += size(old) + key.utf8.count + 4 }
            }
        }
        for (key, old) in before where fields[key] == nil { freed += size(old) + key.utf8.count + 4 }
        return (.object(fields), added, freed)
    }

    /// The size of data as ``sized(_:path:)`` counts it.
    public static func size(_ value: JSONValue) -> Int {
        switch value {
        case .null, .bool: 5
        case .int, .double: 8
        case .string(let text): text.utf8.count + 2
        case .array(let elements): elements.reduce(2 + elements.count) { $0 + size($1) }
        case .object(let fields): fields.reduce(2) { $0 + size($1.value) + $1.key.utf8.count + 4 }
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
