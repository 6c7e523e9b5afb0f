import FirehouseStore
import Logging
import ServiceLifecycle

/// Checkpoints the WAL in the background while the server runs (so commits never wait for one),
/// and fully (truncating the WAL) at graceful shutdown, after the HTTP server has stopped.
public struct StoreCheckpointService: Service {
    let store: SQLiteIncidentStore
    let logger: Logger
    var interval: Duration = .milliseconds(250)

    public init(store: SQLiteIncidentStore, logger: Logger, interval: Duration) {
        self.store = store
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: interval)
            // A broken store refuses checkpoints; StorageWatchdog is already stopping the process.
            if store.isBroken { continue }
            do {
                try await store.checkpointPassive()
            } catch {
                logger.warning("background checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
        if store.isBroken { return }
        do {
            try await store.checkpoint()
            logger.info("database checkpointed")
        } catch {
            logger.warning("checkpoint at shutdown failed", metadata: ["error": "\(error)"])
        }
    }
}
