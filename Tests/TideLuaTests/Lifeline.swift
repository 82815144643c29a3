import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A named pipe that a child process (and everything it starts) holds open: the first line it
/// writes says it started, and the end of the pipe says that no process holding it is left. Tests
/// wait on these events instead of polling the process table.
final class Lifeline: @unchecked Sendable {
    // @unchecked Sendable: `lines` and `ended` are read and written only with `condition` held.
    /// The pipe's path, for the child: `exec 3>PATH` in a shell.
    let path: String
    private let condition = NSCondition()
    private var lines: [String] = []
    private var ended = false

    init() throws {
        path = try temporaryFolder().appendingPathComponent("lifeline").path
        guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
        Thread.detachNewThread { [self] in
            let fd = open(path, O_RDONLY)  // blocks until the child opens it for writing
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 256)
            while fd >= 0 {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                text += String(decoding: buffer[..<count], as: UTF8.self)
                let complete = text.split(separator: "\n", omittingEmptySubsequences: false)
                condition.lock()
                lines += complete.dropLast().map(String.init)
                condition.broadcast()
                condition.unlock()
                text = String(complete.last ?? "")
            }
            if fd >= 0 { close(fd) }
            condition.lock()
            ended = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The first line the child wrote, once it has (`nil` if the pipe ended first or 30 s passed).
    func firstLine() async -> String? {
        await waiting { self.lines.first != nil || self.ended } ? lines.first : nil
    }

    /// Whether every process holding the pipe has exited (waits up to 30 s).
    func end() async -> Bool {
        await waiting { self.ended }
    }

    /// The first line the child wrote, waiting on the calling thread (for code already off the
    /// concurrency pool, such as an ``offThePool`` body); `nil` if the pipe ended first or 30 s passed.
    func firstLineBlocking() -> String? {
        guard holds({ self.lines.first != nil || self.ended }) else { return nil }
        condition.lock()
        defer { condition.unlock() }
        return lines.first
    }

    /// Waits off the concurrency pool for `condition` to hold, on a thread of its own: a wait on
    /// a dispatch worker would hold one of the few threads the concurrency pool and dispatch
    /// sources share, and starve the very work it waits for.
    private func waiting(_ test: @escaping @Sendable () -> Bool) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in continuation.resume(returning: holds(test)) }
        }
    }

    /// Waits on the calling thread until `test` holds (checked with `condition` held) or 30 s passed.
    private func holds(_ test: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        condition.lock()
        defer { condition.unlock() }
        var holds = test()
        while !holds && condition.wait(until: deadline) { holds = test() }
        return test()
    }
}
