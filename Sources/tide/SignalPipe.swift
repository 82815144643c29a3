import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The write end of the signal pipe, read by the C signal handler. Set once, before any handler is
/// installed, and never changed: reading it from a signal handler is safe.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// The C signal handler: writes the signal number to the pipe (`write` is async-signal-safe).
private let writeSignalToPipe: @convention(c) (Int32) -> Void = { number in
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
}

/// Signal handling that cannot lose a signal to a thread: a real `sigaction` handler writes the
/// signal number to a pipe, and a dispatch source reads it and calls the Swift handler.
///
/// (A dispatch signal source with the signal set to `SIG_IGN` depends on the signal reaching a
/// thread that blocks it; a signal delivered to one of the concurrency pool's threads is discarded.
/// Under load that lost a Ctrl-C now and then.)
enum SignalPipe {
    private static let state = Mutex<(handlers: [Int32: @Sendable (Int32) -> Void], source: (any DispatchSourceRead)?)>(
        ([:], nil))

    /// Calls `handler` (on a dispatch queue) each time `number` arrives, replacing an earlier handler.
    static func install(_ number: Int32, _ handler: @escaping @Sendable (Int32) -> Void) {
        state.withLock { state in
            if state.source == nil {
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { return }
                for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
                _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
                signalPipeWriteEnd = ends[1]
                let source = DispatchSource.makeReadSource(fileDescriptor: ends[0], queue: .global())
                source.setEventHandler { deliver(from: ends[0]) }
                source.resume()
                state.source = source
            }
            state.handlers[number] = handler
        }
        var action = sigaction()
        action.__sigaction_handler.sa_handler = writeSignalToPipe
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(number, &action, nil)
    }

    private static func deliver(from descriptor: Int32) {
        var byte: UInt8 = 0
        while read(descriptor, &byte, 1) == 1 {
            let number = Int32(byte)
            if let handler = state.withLock({ $0.handlers[number] }) { handler(number) }
        }
    }
}
