#if canImport(Glibc)
    import Glibc
#endif

/// What `/proc` says of a process on this machine (Linux): its state and start time, for telling
/// a live process from a zombie and a reused pid from the process that had it.
public enum ProcessStat {
    /// The fields of `/proc/PID/stat` after the command name (which may hold spaces and
    /// parentheses): the state (field 3) first, the start time (field 22) at index 19; `nil` if
    /// the process is gone or `/proc` does not tell.
    public static func fields(of pid: Int) -> [Substring]? {
        guard let stat = text(of: "/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    /// When process `pid` started, in clock ticks after boot (field 22); 0 if it cannot be read.
    public static func startTicks(of pid: Int) -> Int {
        guard let fields = fields(of: pid), fields.count > 19 else { return 0 }
        return Int(fields[19]) ?? 0
    }

    /// Whether process `pid` has exited and waits to be reaped (state `Z`), or is gone.
    public static func isGoneOrZombie(_ pid: Int) -> Bool {
        fields(of: pid)?.first.map { $0 == "Z" } ?? true
    }

    /// The text of a `/proc` file (whose size `stat` reports as 0), read to its end; `nil` if it
    /// cannot be opened.
    public static func text(of path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer.prefix(count))
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
