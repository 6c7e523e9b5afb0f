import Synchronization

/// A clock that moves only when told to; for tests and replays that need time to pass.
public final class ManualClock: WallClock {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp) { current = Mutex(start) }

    public func now() -> Timestamp { current.withLock { $0 } }

    public func advance(_ span: TimeSpan) { current.withLock { $0 = $0 + span } }

    public func advance(seconds: Int64) { advance(.seconds(seconds)) }
}
