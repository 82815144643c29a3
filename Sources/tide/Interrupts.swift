import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Ctrl-C handling for `tide run`: the first SIGINT (or SIGTERM) cancels the execution gracefully,
/// the second stops the process at once with exit code 130.
final class Interrupts {
    private let count = Counter()

    /// Starts handling; `onFirst` runs once, on a dispatch queue.
    init(onFirst: @escaping @Sendable () -> Void) {
        let count = self.count
        for number in [SIGINT, SIGTERM] {
            SignalPipe.install(number) { _ in
                if count.increment() == 1 {
                    Terminal.standardError.write("\ncancelling… (press Ctrl-C again to stop at once)\n")
                    onFirst()
                } else {
                    Terminal.standardError.write("\nstopped\n")
                    exit(130)
                }
            }
        }
    }

    /// Whether an interrupt arrived.
    var interrupted: Bool { count.value > 0 }

    /// A thread-safe counter.
    private final class Counter: Sendable {
        private let storage = Mutex(0)
        func increment() -> Int {
            storage.withLock {
                $0 += 1; return $0
            }
        }
        var value: Int { storage.withLock { $0 } }
    }
}
