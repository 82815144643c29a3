import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes bytes into the write end of a pipe without blocking a thread, and tells whether the
/// reader closed its end before taking them all.
///
/// The descriptor is made non-blocking and written whenever a dispatch source says it is
/// writable. A reader that goes away is normal: the write fails with `EPIPE` (SIGPIPE must be
/// ignored, see ``ProcessRunner/ignoreBrokenPipeSignal()``) and feeding stops. The descriptor is
/// closed when feeding ends, however it ends.
///
/// `@unchecked Sendable`: the only non-Sendable field is the dispatch source, which is a
/// thread-safe dispatch object; its event handler runs on the feeder's serial `queue`. The byte
/// count, the early-close flag, the continuation and the started flag are behind mutexes; the
/// rest is immutable.
final class PipeFeeder: @unchecked Sendable {  // the source is a thread-safe dispatch object; state is in mutexes
    private let descriptor: Int32
    private let bytes: [UInt8]
    private let queue = DispatchQueue(label: "tide.exec.stdin")
    /// Bytes written so far, whether the reader closed the pipe, and the continuation to resume
    /// (written by the handlers on `queue`, and by ``feed()`` before the source is activated).
    private let progress = Mutex<(written: Int, closedEarly: Bool, done: CheckedContinuation<Bool, Never>?)>(
        (0, false, nil))
    private let source: any DispatchSourceWrite
    private let startedFlag = Mutex(false)

    /// Whether ``feed()`` was called (if not, ``abandon()`` closes the descriptor).
    var started: Bool { startedFlag.withLock { $0 } }

    init(descriptor: Int32, bytes: [UInt8]) {
        self.descriptor = descriptor
        self.bytes = bytes
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        source = DispatchSource.makeWriteSource(fileDescriptor: descriptor, queue: queue)
    }

    /// Writes everything, or until the reader closes the pipe or the calling task is cancelled.
    ///
    /// - Returns: `true` if the reader closed its end before all the bytes were written.
    func feed() async -> Bool {
        startedFlag.withLock { $0 = true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                progress.withLock { $0.done = continuation }
                source.setEventHandler { [self] in writeSome() }
                source.setCancelHandler { [self] in
                    close(descriptor)
                    let (closedEarly, done) = progress.withLock { state in
                        defer { state.done = nil }
                        // Stopped before the end (the child exited, or the task was cancelled).
                        return (state.closedEarly || state.written < bytes.count, state.done)
                    }
                    done?.resume(returning: closedEarly)
                }
                if bytes.isEmpty { source.cancel() }
                source.activate()
            }
        } onCancel: {
            source.cancel()
        }
    }

    /// Closes the descriptor of a feeder that never fed (the child could not be started). The
    /// source is activated to be cancelled: a dispatch source released while inactive is a crash.
    func abandon() {
        source.setCancelHandler { [descriptor] in close(descriptor) }
        source.cancel()
        source.activate()
    }

    /// Writes what the pipe takes now; ends feeding when all is written or the reader is gone.
    private func writeSome() {
        var written = progress.withLock { $0.written }
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return 0 }
                return write(descriptor, base + written, raw.count - written)
            }
            if count > 0 {
                written += count
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            progress.withLock { $0.closedEarly = true }  // EPIPE: the reader closed its end
            break
        }
        let finished = progress.withLock { state in
            state.written = written
            return written >= bytes.count || state.closedEarly
        }
        if finished { source.cancel() }
    }
}
