import FirehouseCore
import FirehouseService
import Logging
import ServiceLifecycle

/// Checks the alerting pipeline's heartbeat every `interval`: opens the pipeline-silent incident
/// when it stopped, resolves it when it is back (the decision and the writes are the use case's).
struct HeartbeatService: Service {
    let repository: any IncidentUseCases
    let interval: Duration
    let clock: any WallClock
    let logger: Logger

    func run() async throws {
        // Firehouse's own downtime is not the pipeline's: silence counts from this start at the earliest.
        let started = clock.now()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                switch try await repository.checkHeartbeat(watchingSince: started) {
                case .steady: break
                case .open(let silent):
                    logger.error("alerting pipeline silent: opened an incident", metadata: ["silent_for": "\(silent.humanReadable)"])
                case .resolve(let id):
                    logger.notice("alerting pipeline heartbeat back: resolved its incident", metadata: ["incident": "\(id)"])
                }
            } catch {
                logger.warning("heartbeat check failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
