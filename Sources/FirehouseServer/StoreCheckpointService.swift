import FirehouseStore
import Logging
import ServiceLifecycle

/// Runs for the server's lifetime; at graceful shutdown it checkpoints the WAL into the main file.
struct StoreCheckpointService: Service {
    let store: SQLiteIncidentStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        do {
            try store.checkpoint()
            logger.info("database checkpointed")
        } catch {
            logger.warning("checkpoint at shutdown failed", metadata: ["error": "\(error)"])
        }
    }
}
