import FirehouseCore
import FirehouseService
import Logging
import ServiceLifecycle
import Synchronization

/// Delivers the outbox: one lane per target takes the due head of that target's queue, posts it
/// and records the outcome, so each target's messages go out in order and a slow or hanging
/// receiver holds up only its own lane. Every attempt is bounded by `timeout` (connect to last
/// byte). At graceful shutdown each lane finishes the attempt in flight and stops; what is left is
/// delivered after the restart.
struct OutboxWorker: Service {
    let repository: any IncidentUseCases
    let targets: [String: FirehouseConfig.NotificationTarget]
    let policy: DeliveryPolicy
    let http: any OutboundHTTP
    /// Each target's integration, by target name.
    let notifiers: [String: any Notifier]
    let timeout: Duration
    let clock: any WallClock
    let metrics: FirehouseMetrics
    let logger: Logger
    var pollInterval: Duration = .milliseconds(250)
    let retention: TimeSpan
    /// How often old delivery records are pruned.
    static let pruneEvery = TimeSpan.seconds(3600)

    init(config: FirehouseConfig.Notifications, repository: any IncidentUseCases, http: any OutboundHTTP,
         links: ExternalURL, clock: any WallClock, metrics: FirehouseMetrics, logger: Logger, buttons: ChatActionSigner? = nil,
         slackButtons: Bool = false) {
        self.repository = repository
        self.targets = Dictionary(config.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.policy = config.policy
        self.http = http
        self.notifiers = Dictionary(config.targets.map { ($0.name, Notifiers.forKind($0.kind, links: links, buttons: buttons, slackButtons: slackButtons)) },
                                    uniquingKeysWith: { first, _ in first })
        self.timeout = config.timeout.duration
        self.retention = config.retention
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
    }

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for target in targets.keys.sorted() { group.addTask { await lane(target) } }
            group.addTask { await maintenance() }
        }
    }

    private var running: Bool { !Task.isShuttingDownGracefully && !Task.isCancelled }

    private func pause() async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
    }

    /// One target's queue, head first; errors are logged and never reach another lane.
    func lane(_ target: String) async {
        while running {
            var attempted = 0
            do {
                attempted = try await deliverDue(target: target)
            } catch {
                logger.warning("outbox round failed", metadata: ["target": "\(target)", "error": "\(error)"])
            }
            // Go straight on while there is work; otherwise wait (cut short by shutdown).
            if attempted == 0 { await pause() }
        }
    }

    /// Gives up rows of targets no longer configured (they would wait forever), updates the depth
    /// gauges, and prunes old delivery records hourly.
    private func maintenance() async {
        var nextPrune = clock.now()
        while running {
            do {
                let stale = try await repository.dueDeliveries(target: nil).filter { targets[$0.target] == nil }
                for delivery in stale { await deliver(delivery) }
                try await updateDepthGauges()
                if clock.now() >= nextPrune {
                    try await prune()
                    nextPrune = clock.now() + Self.pruneEvery
                }
            } catch {
                logger.warning("outbox maintenance failed", metadata: ["error": "\(error)"])
            }
            await pause()
        }
    }

    func updateDepthGauges() async throws {
        metrics.outboxDepth(try await repository.outboxDepth(), targets: Array(targets.keys))
    }

    /// Deletes delivery records older than `retention` (when set).
    @discardableResult
    func prune() async throws -> Int {
        guard retention.nanoseconds > 0 else { return 0 }
        let pruned = try await repository.pruneDeliveries(finishedBefore: clock.now() - retention)
        if pruned > 0 { logger.info("outbox pruned", metadata: ["deleted": "\(pruned)"]) }
        return pruned
    }

    /// One round: the due head of `target`'s queue (of every target's when nil, as tests drive
    /// it), attempted in parallel, each recorded on its own; returns how many were attempted.
    @discardableResult
    func deliverDue(target: String? = nil) async throws -> Int {
        let due = try await repository.dueDeliveries(target: target)
        await withDiscardingTaskGroup { group in
            for delivery in due { group.addTask { await deliver(delivery) } }
        }
        return due.count
    }

    func deliver(_ delivery: PendingDelivery) async {
        var metadata: Logger.Metadata = [
            "incident": "\(delivery.incident.head.id)", "target": "\(delivery.target)", "event": "\(delivery.event.rawValue)",
            "delivery": "\(delivery.id)", "attempt": "\(delivery.attempts + 1)",
        ]
        let attempt: DeliveryPolicy.Attempt
        if let target = targets[delivery.target], let notifier = notifiers[delivery.target] {
            guard let sent = await send(notifier.request(delivery, to: target)) else {
                // Cut off by shutdown: no outcome, so nothing is recorded and no attempt is spent;
                // the row stays pending and goes out after the restart (same Idempotency-Key).
                logger.info("notification delivery interrupted by shutdown; it will be sent again", metadata: metadata)
                return
            }
            attempt = sent
        } else {
            attempt = .rejected("target \(delivery.target) is no longer configured")
        }
        let decision = policy.decide(attempt, attempts: delivery.attempts + 1, now: clock.now())
        // Recorded in a task of its own, so a lane cancelled right after an answer (shutdown past
        // its grace period) still records it. If the write fails the row stays pending and is sent
        // again: at least once, never lost.
        let repository = self.repository
        do {
            _ = try await Task { try await repository.finishDelivery(delivery.id, decision) }.value
        } catch {
            metadata["error"] = "\(error)"
            logger.error("could not record a delivery attempt; it will be attempted again", metadata: metadata)
            return
        }
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

    /// One attempt, bounded by `timeout` whatever the transport does (a receiver that drips its
    /// body, a client that ignores its own deadline); nil when cancelled before an outcome.
    private func send(_ request: OutboundRequest) async -> DeliveryPolicy.Attempt? {
        let http = self.http
        let timeout = self.timeout
        let attempt = await Deadline.run(timeout) { () async -> DeliveryPolicy.Attempt in
            do {
                let response = try await http.send(request, timeout: timeout)
                return .classify(status: response.status, retryAfter: response.headers["retry-after"], body: response.text)
            } catch {
                return .transient("\(error)")
            }
        }
        if let attempt { return attempt }
        return Task.isCancelled ? nil : .transient("timed out after \(timeout)")
    }
}

/// Runs work with a deadline: its result, or nil once `timeout` passed first or the caller was
/// cancelled (the work is then cancelled and left to finish on its own, so a caller is never held
/// by work that ignores cancellation).
enum Deadline {
    /// Whichever of the work, the timer and cancellation comes first is the answer.
    private final class Race<T: Sendable>: Sendable {
        private enum State {
            case idle
            case waiting(CheckedContinuation<T?, Never>)
            case decided(T?)
            case done
        }

        private let state = Mutex<State>(.idle)

        /// True if this was the first answer.
        @discardableResult
        func decide(_ value: T?) -> Bool {
            let (first, waiting) = state.withLock { state -> (Bool, CheckedContinuation<T?, Never>?) in
                switch state {
                case .idle:
                    state = .decided(value)
                    return (true, nil)
                case .waiting(let continuation):
                    state = .done
                    return (true, continuation)
                case .decided, .done:
                    return (false, nil)
                }
            }
            waiting?.resume(returning: value)
            return first
        }

        func wait(_ continuation: CheckedContinuation<T?, Never>) {
            let ready: T?? = state.withLock { state in
                if case .decided(let value) = state {
                    state = .done
                    return .some(value)
                }
                state = .waiting(continuation)
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    static func run<T: Sendable>(_ timeout: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
        let race = Race<T>()
        let timer = Task { try await Task.sleep(for: timeout) }
        let worker = Task {
            let value = await work()
            timer.cancel()
            race.decide(value)
        }
        Task {
            if (try? await timer.value) != nil, race.decide(nil) { worker.cancel() }
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { race.wait($0) }
        } onCancel: {
            timer.cancel()
            worker.cancel()
            race.decide(nil)
        }
    }
}
