import Synchronization

/// Holds the current runbook library; reloads swap it atomically while readers keep a snapshot.
public final class RunbookShelf: Sendable {
    private let current: Mutex<RunbookLibrary>

    public init(_ library: RunbookLibrary = RunbookLibrary()) { current = Mutex(library) }

    public var library: RunbookLibrary { current.withLock { $0 } }

    public func replace(with library: RunbookLibrary) { current.withLock { $0 = library } }
}
