import Foundation
import TideCore

/// JSON text for the store's data columns: written by hand (fast, no encoder per row), read back
/// with Foundation's decoder.
enum JSONText {
    static func encode(_ value: JSONValue) -> String {
        var text = ""
        write(value, into: &text)
        return text
    }

    static func encode(_ fields: [String: JSONValue]) -> String { encode(.object(fields)) }

    static func decode(_ text: String?) -> JSONValue? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }

    static func encode<T: Encodable>(codable value: T) -> String? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String?) -> T? {
        guard let text, let data = text.data(using: .utf8) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try? decoder.decode(type, from: data)
    }

    private static func write(_ value: JSONValue, into text: inout String) {
        switch value {
        case .null: text += "null"
        case .bool(let b): text += b ? "true" : "false"
        case .int(let i): text += String(i)
        case .double(let d): text += d.isFinite ? "\(d)" : "null"
        case .string(let s): writeString(s, into: &text)
        case .array(let elements):
            text += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { text += "," }
                write(element, into: &text)
            }
            text += "]"
        case .object(let fields):
            text += "{"
            for (offset, key) in fields.keys.sorted().enumerated() {
                if offset > 0 { text += "," }
                writeString(key, into: &text)
                text += ":"
                write(fields[key] ?? .null, into: &text)
            }
            text += "}"
        }
    }

    private static func writeString(_ string: String, into text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            default:
                if scalar.value < 0x20 {
                    text += String(format: "\\u%04x", scalar.value)
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }
}
