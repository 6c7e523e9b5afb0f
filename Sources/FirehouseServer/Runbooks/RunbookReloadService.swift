import FirehouseCore
import ServiceLifecycle
import UnixSignals

/// Reloads runbooks on SIGHUP, and every `interval` when they changed on disk (so a reload asked
/// of one replica, or an updated ConfigMap, reaches every replica), until shutdown.
struct RunbookReloadService: Service {
    let catalog: RunbookCatalog
    /// Zero: only on SIGHUP and `POST /api/v1/runbooks/reload`.
    var interval: TimeSpan = .zero

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                let signals = await UnixSignalsSequence(trapping: .sighup)
                for await _ in signals.cancelOnGracefulShutdown() { catalog.reload() }
            }
            if interval > .zero {
                group.addTask {
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval.duration) }
                        if Task.isShuttingDownGracefully || Task.isCancelled { break }
                        catalog.reloadIfChanged()
                    }
                }
            }
        }
    }
}
