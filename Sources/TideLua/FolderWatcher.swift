import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Calls back when files in a folder change: inotify on Linux, polling every second where inotify
/// is not available (or runs out of watches).
///
/// Changes are coalesced: a burst of events (an editor's write, rename and chmod) gives one
/// callback about 50 ms after the last of them. The callback decides what changed (the folders
/// compare content hashes), so a spurious call costs a directory listing.
public final class FolderWatcher: @unchecked Sendable {
    // @unchecked Sendable: the mutable fields (`source`, `timer`, `pending`, `descriptor`) are touched
    // only on `queue`, a serial queue — by `init` and `stop()` through `queue.sync`, and by the
    // sources' handlers, which run on it — and in `deinit`, when no other reference is left (the
    // handlers hold the watcher weakly).
    private let queue = DispatchQueue(label: "tide.folder-watcher")
    private let onChange: @Sendable () -> Void
    private var source: (any DispatchSourceRead)?
    private var timer: (any DispatchSourceTimer)?
    private var pending: DispatchWorkItem?
    private var descriptor: Int32 = -1

    /// Whether the watcher uses inotify (`false`: polling).
    public var usesInotify: Bool { queue.sync { source != nil } }

    /// Starts watching `path`.
    public init(path: String, onChange: @escaping @Sendable () -> Void) {
        self.onChange = onChange
        queue.sync { start(path) }
    }

    deinit {
        // Not through `queue`: the last reference may be dropped on it. Cancelling is thread-safe.
        source?.cancel()
        timer?.cancel()
        pending?.cancel()
    }

    /// Stops watching.
    public func stop() {
        queue.sync {
            source?.cancel()
            source = nil
            timer?.cancel()
            timer = nil
            pending?.cancel()
        }
    }

    private func start(_ path: String) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_MODIFY)
        if fd >= 0, inotify_add_watch(fd, path, mask) >= 0 {
            descriptor = fd
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
            source.setEventHandler { [weak self] in self?.drain() }
            source.setCancelHandler { close(fd) }
            source.resume()
            self.source = source
            return
        }
        if fd >= 0 { close(fd) }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + 1, repeating: 1)
        timer.setEventHandler { [weak self] in self?.onChange() }
        timer.resume()
        self.timer = timer
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ read(descriptor, $0.baseAddress, $0.count) }) > 0 {}
        pending?.cancel()
        let work = DispatchWorkItem { [onChange] in onChange() }
        pending = work
        queue.asyncAfter(deadline: .now() + .milliseconds(50), execute: work)
    }
}
