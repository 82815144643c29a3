public import Lua

/// Durations as plan scripts write them: seconds as a number (`30`, `0.5`), or text with units
/// (`"500ms"`, `"30s"`, `"5m"`, `"1h"`, `"1m30s"`, `"1.5s"`, `"250us"`).
public enum DurationText {
    /// The units a duration string may use, in nanoseconds.
    private static let units: [String: Double] = [
        "ns": 1, "us": 1e3, "ms": 1e6, "millisecond": 1e6, "milliseconds": 1e6,
        "s": 1e9, "sec": 1e9, "secs": 1e9, "second": 1e9, "seconds": 1e9,
        "m": 60e9, "min": 60e9, "mins": 60e9, "minute": 60e9, "minutes": 60e9,
        "h": 3600e9, "hour": 3600e9, "hours": 3600e9, "d": 86400e9, "day": 86400e9, "days": 86400e9,
    ]

    /// What to write instead of a bad duration.
    public static let hint = #"write seconds (30, 0.5) or text with units: "500ms", "30s", "5m", "1h", "1m30s""#

    /// Parses a duration.
    ///
    /// - Returns: The duration, or a sentence saying what is wrong with it.
    public static func parse(_ value: LuaValue) -> Result<Duration, DurationTextError> {
        switch value {
        case .integer, .number:
            let seconds = value.doubleValue ?? .nan
            guard seconds.isFinite, seconds >= 0, seconds <= 1e9 else {
                return .failure(DurationTextError("\(value) is not a duration from 0 to 1e9 seconds"))
            }
            return .success(.nanoseconds(Int64((seconds * 1e9).rounded())))
        case .string(let text):
            return parse(text.description)
        default:
            return .failure(DurationTextError("a \(value.typeName) is not a duration"))
        }
    }

    /// Parses duration text (`"1m30s"`).
    public static func parse(_ text: String) -> Result<Duration, DurationTextError> {
        var rest = Substring(text.trimmingSpaces)
        guard !rest.isEmpty else { return .failure(DurationTextError("an empty string is not a duration")) }
        var total = 0.0
        while !rest.isEmpty {
            rest = rest.drop { $0.isWhitespace }
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let amount = Double(number) else {
                return .failure(DurationTextError("\"\(text)\" is not a duration"))
            }
            rest = rest.dropFirst(number.count).drop { $0.isWhitespace }
            let unitText = rest.prefix { $0.isLetter }
            guard let unit = units[unitText.lowercased()] else {
                let what = unitText.isEmpty ? "has a number without a unit" : "has an unknown unit '\(unitText)'"
                return .failure(DurationTextError("\"\(text)\" \(what)"))
            }
            rest = rest.dropFirst(unitText.count)
            total += amount * unit
        }
        guard total <= 1e18 else { return .failure(DurationTextError("\"\(text)\" is too long a duration")) }
        return .success(.nanoseconds(Int64(total.rounded())))
    }
}

/// Why a value is not a duration.
public struct DurationTextError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in a sentence without the hint.
    public var problem: String

    init(_ problem: String) { self.problem = problem }

    /// The problem and what to write instead.
    public var description: String { "\(problem); \(DurationText.hint)" }
}

extension String {
    var trimmingSpaces: Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? endIndex
        return start < end ? self[start..<end] : ""
    }
}
