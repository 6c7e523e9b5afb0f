import FirehouseCore
import FirehouseService
import Logging
import ServiceLifecycle

/// Looks for unacknowledged incidents every `interval` and escalates those the policy says are due.
struct EscalationService: Service {
    let repository: any IncidentUseCases
    let policy: EscalationPolicy
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                for escalation in try await repository.escalate(policy) {
                    logger.warning("incident escalated", metadata: [
                        "incident": "\(escalation.head.id)", "severity": "\(escalation.head.severity.name)",
                        "escalation": "\(escalation.count)",
                    ])
                }
            } catch {
                logger.warning("escalation check failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
