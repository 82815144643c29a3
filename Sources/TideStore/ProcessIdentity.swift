public import Foundation
import TideCore

#if canImport(Glibc)
    import Glibc
#endif

/// Who a process is, well enough to tell whether it still runs: its pid, its host, and its start
/// (the boot's id and the process's start time since boot, from `/proc`), so that a reused pid is
/// not taken for the process that had it before.
public struct ProcessIdentity: Sendable, Hashable {
    /// The process id.
    public var pid: Int
    /// The host name.
    public var host: String
    /// `bootId:startTicks`, or `nil` where `/proc` does not tell.
    public var start: String?

    /// Creates an identity.
    public init(pid: Int, host: String, start: String?) {
        self.pid = pid
        self.host = host
        self.start = start
    }

    /// This process.
    public static let current: ProcessIdentity = {
        let pid = Int(getpid())
        return ProcessIdentity(pid: pid, host: currentHost, start: startToken(of: pid))
    }()

    /// This machine's host name.
    public static var currentHost: String { ChildProcess.currentHost }

    /// The start token of process `pid` on this machine, or `nil` if it does not exist or `/proc`
    /// does not tell.
    public static func startToken(of pid: Int) -> String? {
        guard let fields = ProcessStat.fields(of: pid), fields.count > 19, let boot = bootId else { return nil }
        return "\(boot):\(fields[19])"
    }

    /// Whether process `pid` on this machine has exited and waits to be reaped (state `Z`).
    static func isZombie(_ pid: Int) -> Bool {
        ProcessStat.fields(of: pid)?.first == "Z"
    }

    private static let bootId: String? = {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    /// Whether this process still runs, judged from this machine: on this host, the pid exists, is
    /// not a zombie (killed, not yet reaped) and (where known) started when the recorded one did; on another host, its heartbeat is fresh
    /// (``ownerStaleAfter``); a heartbeat from the future (a clock that jumped) counts as fresh.
    public func isRunning(heartbeatAt: Date?, now: Date = Date()) -> Bool {
        if host == Self.currentHost {
            guard let id = pid_t(exactly: pid), kill(id, 0) == 0 || errno == EPERM, !Self.isZombie(pid) else {
                return false
            }
            guard let start, let actual = Self.startToken(of: pid) else { return true }
            return actual == start
        }
        guard let heartbeatAt else { return false }
        return now.timeIntervalSince(heartbeatAt) < Self.ownerStaleAfter
    }

    /// Seconds without a heartbeat after which an owner on another host counts as gone.
    public static let ownerStaleAfter: TimeInterval = 5
}
