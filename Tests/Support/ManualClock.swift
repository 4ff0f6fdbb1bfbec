import Domain
import Synchronization

/// A clock the test moves by hand, for the `now` closures of the services under test: nothing sleeps.
public final class ManualClock: Sendable {
    private let current: Mutex<Instant>

    public init(_ start: Instant) { current = Mutex(start) }

    public var now: Instant { current.withLock { $0 } }

    public func set(_ instant: Instant) { current.withLock { $0 = instant } }

    public func advance(by duration: Duration) { current.withLock { $0 = $0 + duration } }
}
