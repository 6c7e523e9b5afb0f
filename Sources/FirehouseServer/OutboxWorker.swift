import FirehouseCore
import Logging
import ServiceLifecycle

/// Delivers the outbox: each round takes the due head of every target's queue, posts them
/// (targets in parallel, each target in order), and records each outcome. At graceful shutdown it
/// finishes the round in flight and stops; what is left is delivered after the restart.
struct OutboxWorker: Service {
    let repository: any IncidentRepository
    let targets: [String: FirehouseConfig.NotificationTarget]
    let policy: DeliveryPolicy
    let http: any OutboundHTTP
    let message: DeliveryMessage
    let timeout: Duration
    let clock: any FirehouseCore.Clock
    let metrics: FirehouseMetrics
    let logger: Logger
    var pollInterval: Duration = .milliseconds(250)
    let retention: TimeSpan
    /// How often old delivery records are pruned.
    static let pruneEvery = TimeSpan.seconds(3600)

    init(config: FirehouseConfig.Notifications, repository: any IncidentRepository, http: any OutboundHTTP,
         text: NotificationText, clock: any FirehouseCore.Clock, metrics: FirehouseMetrics, logger: Logger) {
        self.repository = repository
        self.targets = Dictionary(config.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.policy = config.policy
        self.http = http
        self.message = DeliveryMessage(text: text)
        self.timeout = .nanoseconds(config.timeout.nanoseconds)
        self.retention = config.retention
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    func run() async throws {
        var nextPrune = clock.now()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var attempted = 0
            do {
                attempted = try await deliverDue()
                if clock.now() >= nextPrune {
                    try await prune()
                    nextPrune = clock.now() + Self.pruneEvery
                }
            } catch {
                logger.warning("outbox round failed", metadata: ["error": "\(error)"])
            }
            // Go straight on while there is work; otherwise wait (cut short by shutdown).
            if attempted == 0 { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) } }
        }
    }

    /// Deletes delivery records older than `retention` (when set).
    @discardableResult
    func prune() async throws -> Int {
        guard retention.nanoseconds > 0 else { return 0 }
        let pruned = try await repository.pruneDeliveries(finishedBefore: clock.now() + TimeSpan(nanoseconds: -retention.nanoseconds))
        if pruned > 0 { logger.info("outbox pruned", metadata: ["deleted": "\(pruned)"]) }
        return pruned
    }

    /// One round; returns how many deliveries were attempted.
    @discardableResult
    func deliverDue() async throws -> Int {
        let due = try await repository.dueDeliveries()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for delivery in due { group.addTask { try await deliver(delivery) } }
            try await group.waitForAll()
        }
        metrics.outboxDepth(try await repository.outboxDepth(), targets: Array(targets.keys))
        return due.count
    }

    func deliver(_ delivery: PendingDelivery) async throws {
        let attempt: DeliveryPolicy.Attempt
        if let target = targets[delivery.target] {
            attempt = await send(message.request(delivery, to: target))
        } else {
            attempt = .rejected("target \(delivery.target) is no longer configured")
        }
        let decision = policy.decide(attempt, attempts: delivery.attempts + 1, now: clock.now())
        // If this write fails the row stays pending and is sent again: at least once, never lost.
        try await repository.finishDelivery(delivery.id, decision)
        var metadata: Logger.Metadata = [
            "incident": "\(delivery.incident.head.id)", "target": "\(delivery.target)", "event": "\(delivery.event.rawValue)",
            "delivery": "\(delivery.id)", "attempt": "\(delivery.attempts + 1)",
        ]
        switch decision {
        case .delivered:
            metrics.delivery(target: delivery.target, result: "delivered")
            logger.debug("notification delivered", metadata: metadata)
        case .retry(let at, let reason):
            metrics.delivery(target: delivery.target, result: "retry")
            metadata["error"] = "\(reason)"
            metadata["next_attempt"] = "\(at.rfc3339)"
            logger.warning("notification delivery failed; will retry", metadata: metadata)
        case .failed(let reason):
            metrics.delivery(target: delivery.target, result: "failed")
            metadata["error"] = "\(reason)"
            logger.error("notification delivery failed for good", metadata: metadata)
        }
    }

    private func send(_ request: OutboundRequest) async -> DeliveryPolicy.Attempt {
        do {
            let response = try await http.send(request, timeout: timeout)
            return .classify(status: response.status, retryAfter: response.headers["retry-after"], body: response.text)
        } catch {
            return .transient("\(error)")
        }
    }
}
