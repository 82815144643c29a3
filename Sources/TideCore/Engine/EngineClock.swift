public import Foundation

/// The engine's source of time: one injected `Clock`, read as offsets from the engine's start.
///
/// Every duration, timeout and timestamp the engine computes comes from here, so tests drive time
/// with a manual clock and never sleep. Timestamps are `startDate` plus the clock's offset.
public struct EngineClock: Sendable {
    private let offset: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void
    /// The wall-clock date that offset zero stands for.
    public let startDate: Date

    /// Wraps `clock`.
    ///
    /// - Parameters:
    ///   - clock: The clock to read and sleep on.
    ///   - startDate: The date of the clock's current instant, for timestamps.
    public init<C: Clock>(_ clock: C, startDate: Date = Date()) where C.Duration == Duration {
        let base = clock.now
        self.offset = { base.duration(to: clock.now) }
        self.sleeper = { duration in try await clock.sleep(for: duration) }
        self.startDate = startDate
    }

    /// A clock on real (continuous) time.
    public static var continuous: EngineClock { EngineClock(ContinuousClock()) }

    /// Time since the engine's start.
    public func now() -> Duration { offset() }

    /// The date of an offset.
    public func date(at offset: Duration) -> Date {
        startDate.addingTimeInterval(offset.seconds)
    }

    /// Suspends for `duration`; throws `CancellationError` when cancelled.
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await sleeper(duration)
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    package var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in milliseconds as a `Double`.
    package var milliseconds: Double { seconds * 1000 }
}
