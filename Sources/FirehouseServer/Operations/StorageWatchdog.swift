import FirehouseCore
import Logging
import ServiceLifecycle
import Synchronization

/// Stops the process when the store breaks (a WAL flush failed): nothing can commit any more, and
/// only a restart recovers the database from what is really on disk. The run throws, so `serve`
/// exits non-zero and the supervisor (Kubernetes, systemd, Docker's restart policy) starts it
/// again; `/healthz` fails in the meantime. Exiting beats waiting for a liveness probe: it works
/// under every supervisor, and it leaves no window in which the process looks alive but is not.
final class StorageWatchdog: Service, Sendable {
    private let stream: AsyncStream<StorageUnavailable>
    private let continuation: AsyncStream<StorageUnavailable>.Continuation
    let logger: Logger
    private let store = Mutex<(any IncidentStore)?>(nil)
    /// Broken stores are kept until the process exits: closing SQLite's last connection would
    /// checkpoint the WAL of unknown state into the database file, and the restart's recovery
    /// must start from what the WAL really holds.
    private static let neverClosed = Mutex<[any IncidentStore]>([])

    /// The error `run` ends with.
    struct Broken: Error, CustomStringConvertible {
        var reason: StorageUnavailable
        var description: String { "storage broken, exiting for a restart: \(reason.reason)" }
    }

    init(logger: Logger) {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.logger = logger
    }

    /// The store whose failure this watches.
    func hold(_ store: any IncidentStore) {
        self.store.withLock { $0 = store }
    }

    /// Given to the store as its `onBroken`.
    func report(_ failure: StorageUnavailable) {
        if let store = store.withLock({ $0 }) { Self.neverClosed.withLock { $0.append(store) } }
        continuation.yield(failure)
    }

    func run() async throws {
        for await failure in stream.cancelOnGracefulShutdown() {
            logger.critical("storage broken: a WAL flush failed, so nothing more can be committed; exiting so the supervisor restarts Firehouse",
                            metadata: ["error": "\(failure.reason)"])
            throw Broken(reason: failure)
        }
    }
}
