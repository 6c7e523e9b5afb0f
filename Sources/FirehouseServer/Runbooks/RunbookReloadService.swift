import ServiceLifecycle
import UnixSignals

/// Reloads runbooks on SIGHUP until shutdown.
struct RunbookReloadService: Service {
    let catalog: RunbookCatalog

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            catalog.reload()
        }
    }
}
