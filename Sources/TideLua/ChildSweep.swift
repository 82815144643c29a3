import Foundation
public import TideCore

#if canImport(Glibc)
    import Glibc
#endif

/// Kills what is left of an execution's child processes before it runs again (`tide resume`), so
/// that no task runs twice at once: a `tide.exec` child of an attempt that died with its `tide`
/// would otherwise go on beside the attempt that replaces it.
///
/// Two ways find them, on this host:
/// - the records of the store (``ChildProcess``): a recorded process that still runs with the
///   recorded start time is ended, a guard by `SIGTERM` (it kills all it started), anything else by
///   `SIGKILL` to its process group;
/// - every process of this user whose environment carries ``ChildProcess/executionVariable`` set to
///   the execution's id: children that left their group and lost their parent (a daemon started
///   with `setsid`), or that started before their record was committed.
///
/// A process that removed the variable from its environment and left its group after its guard
/// was killed with `SIGKILL` cannot be found; nor can children on another host, which the report
/// lists for the operator.
public enum ChildSweep {
    /// What a sweep did.
    public struct Report: Sendable, Hashable {
        /// The processes it killed.
        public var killed: [Int] = []
        /// Records of children started on other hosts, which it cannot reach.
        public var elsewhere: [ChildProcess] = []
    }

    /// Kills what is left of execution `executionId`'s children on this host.
    ///
    /// - Parameters:
    ///   - executionId: The execution.
    ///   - children: The store's records of its children not known to be gone.
    ///   - grace: How long guards get to clear their descendants before everything left is killed.
    public static func sweep(
        executionId: String, children: [ChildProcess], grace: Duration = .seconds(1)
    ) -> Report {
        var report = Report()
        let here = ChildProcess.currentHost
        var guards: [pid_t] = []
        for child in children {
            guard child.host == here else {
                report.elsewhere.append(child)
                continue
            }
            let identity = child.identity
            guard let pid = pid_t(exactly: identity.pid),
                ProcessStat.startTicks(of: identity.pid) == identity.startTime,
                identity.startTime != 0, !ProcessStat.isGoneOrZombie(Int(pid))
            else { continue }  // gone (a zombie no one reaped is gone too), or the pid is another process's now
            if identity.guarded {
                if Glibc.kill(pid, SIGTERM) == 0 { guards.append(pid) }
            } else if let group = pid_t(exactly: identity.processGroup), Glibc.kill(-group, SIGKILL) == 0 {
                report.killed.append(identity.pid)
            }
        }
        report.killed.append(contentsOf: guards.map(Int.init))
        let deadline = ContinuousClock.now + grace
        while !guards.isEmpty, ContinuousClock.now < deadline {
            guards.removeAll { Glibc.kill($0, 0) != 0 || ProcessStat.isGoneOrZombie(Int($0)) }
            if !guards.isEmpty { usleep(2_000) }
        }
        for pid in guards {
            Glibc.kill(-pid, SIGKILL)  // a guard that did not end in time: its group at least
        }
        // Whatever still carries the execution's id: escaped daemons, unrecorded children.
        for _ in 0..<20 {
            let marked = processes(carrying: "\(ChildProcess.executionVariable)=\(executionId)")
            if marked.isEmpty { break }
            for pid in marked where Glibc.kill(pid, SIGKILL) == 0 { report.killed.append(Int(pid)) }
            usleep(5_000)
        }
        report.killed = Array(Set(report.killed)).sorted()
        return report
    }

    /// Kills every live process of this user whose environment holds `entry` (`NAME=value`), until
    /// none is left (a few rounds: one may fork while it is killed); returns how many were killed.
    @discardableResult
    public static func kill(carrying entry: String) -> Int {
        var killed: Set<pid_t> = []
        for _ in 0..<20 {
            let marked = processes(carrying: entry)
            if marked.isEmpty { break }
            for pid in marked where Glibc.kill(pid, SIGKILL) == 0 { killed.insert(pid) }
            usleep(2_000)
        }
        return killed.count
    }

    /// The live processes (not zombies) of this user whose environment holds `entry` (`NAME=value`).
    static func processes(carrying entry: String) -> [pid_t] {
        let wanted = Array(entry.utf8) + [0]
        let me = getpid()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [pid_t] = []
        for name in names {
            guard let pid = pid_t(name), pid != me, !ProcessStat.isGoneOrZombie(Int(pid)),
                let environment = FileManager.default.contents(atPath: "/proc/\(name)/environ")
            else { continue }
            let bytes = [UInt8](environment)
            var start = 0
            while start < bytes.count {
                let end = bytes[start...].firstIndex(of: 0) ?? bytes.count
                if end - start + 1 == wanted.count, bytes[start..<end].elementsEqual(wanted.dropLast()) {
                    found.append(pid)
                    break
                }
                start = end + 1
            }
        }
        return found
    }
}
