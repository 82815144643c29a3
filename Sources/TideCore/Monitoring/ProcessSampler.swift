import Foundation

/// Reads this process's CPU and memory use from `/proc` (Linux).
///
/// `cpu_usage` is the percentage of one core the process used between two samples (user + system
/// time over wall time); `memory_usage` is the resident set size in bytes. Elsewhere both read 0.
final class ProcessSampler: Sendable {
    private struct Reading {
        var cpuSeconds: Double
        var at: Duration
    }

    private let last = MutexBox<Reading?>(nil)

    /// The CPU percentage since the previous call (0 on the first), at engine time `now`.
    func cpuUsage(now: Duration) -> Double {
        guard let cpu = Self.cpuSeconds() else { return 0 }
        let previous = last.exchange(Reading(cpuSeconds: cpu, at: now))
        guard let previous, now > previous.at else { return 0 }
        return max(0, (cpu - previous.cpuSeconds) / (now - previous.at).seconds * 100)
    }

    /// Resident memory in bytes.
    func memoryUsage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func cpuSeconds() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
