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
///
/// A storm on a chat target (more than `digest.threshold` openings within `digest.window`) sends
/// its further openings as digests, each listing every incident it stands for; see `StormDigest`.
struct OutboxWorker: Service {
    let repository: any IncidentUseCases
    let targets: [String: FirehouseConfig.NotificationTarget]
    let policy: DeliveryPolicy
    let http: any OutboundHTTP
    /// Each target's integration, by target name.
    let notifiers: [String: any Delivering]
    let digest: StormDigest
    let links: ExternalURL
    let timeout: Duration
    let clock: any WallClock
    let metrics: FirehouseMetrics
    let logger: Logger
    var pollInterval: Duration = .milliseconds(250)
    let retention: TimeSpan
    /// How often old delivery records are pruned.
    static let pruneEvery = TimeSpan.seconds(3600)

    /// Slack app mode's Web API access: the bot token, the API base, the role "Take commander"
    /// assigns and the runbooks the message names.
    struct SlackApp {
        var token: String
        var api: String
        var lead: String
        var runbooks: RunbookShelf
        /// Buttons only when their clicks can be verified (`chat.slack_signing_secret`).
        var buttons = true
    }

    init(config: FirehouseConfig.Notifications, repository: any IncidentUseCases, http: any OutboundHTTP,
         links: ExternalURL, clock: any WallClock, metrics: FirehouseMetrics, logger: Logger, buttons: ChatActionSigner? = nil,
         slackButtons: Bool = false, slackApp: SlackApp? = nil) {
        self.repository = repository
        self.targets = Dictionary(config.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.policy = config.policy
        self.http = http
        self.notifiers = Dictionary(config.targets.map { target -> (String, any Delivering) in
            if target.kind == .slack, !target.channel.isEmpty, let slackApp {
                return (target.name, SlackAppNotifier(text: NotificationText(links: links), api: slackApp.api, token: slackApp.token,
                                                      lead: slackApp.lead, runbooks: slackApp.runbooks, buttons: slackApp.buttons))
            }
            return (target.name, Notifiers.forKind(target.kind, links: links, buttons: buttons, slackButtons: slackButtons))
        }, uniquingKeysWith: { first, _ in first })
        self.digest = config.digest
        self.links = links
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
        return await withTaskGroup(of: Bool.self) { group in
            for delivery in due { group.addTask { await deliverOrGather(delivery) } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    /// A target's head: an opening in a storm is gathered into a digest; anything else goes out
    /// on its own. False when the head waits (a storm still gathering).
    private func deliverOrGather(_ head: PendingDelivery) async -> Bool {
        guard head.event == .opened, digest.isEnabled, let target = targets[head.target], target.kind.isChat,
              let notifier = notifiers[head.target] else {
            await deliver(head)
            return true
        }
        let now = clock.now()
        let openings: (recent: Int, pending: [PendingDelivery])
        do {
            openings = try await repository.openings(target: target.name, since: now - digest.window, limit: digest.maxListed)
        } catch {
            logger.warning("could not count the target's openings; sending on its own", metadata: ["target": "\(target.name)", "error": "\(error)"])
            await deliver(head)
            return true
        }
        switch digest.decide(recent: openings.recent, pending: openings.pending.map { (id: $0.id, at: $0.entry.at) }, now: now) {
        case .single:
            await deliver(head)
            return true
        case .wait:
            return false
        case .digest(let ids):
            let chosen = Set(ids)
            let items = openings.pending.filter { chosen.contains($0.id) }
            await deliverDigest(items, recent: openings.recent, target: target, notifier: notifier, now: now)
            return true
        }
    }

    /// One digest for `items` (pending openings of `target`); its outcome is recorded on every row.
    private func deliverDigest(_ items: [PendingDelivery], recent: Int, target: FirehouseConfig.NotificationTarget,
                               notifier: any Delivering, now: Timestamp) async {
        guard let first = items.first else { return }
        let message = DigestMessage(
            openedInWindow: recent, window: digest.window,
            items: items.map { item in
                let head = item.incident.head
                return DigestMessage.Item(ref: IncidentReference.format(head.id), severity: head.severity, title: head.title,
                                          service: head.labels["service"], url: links.incidentPage(head.id), drill: head.drill)
            },
            listURL: links.incidentListPage, at: now)
        var metadata: Logger.Metadata = ["target": "\(target.name)", "incidents": "\(items.count)", "opened_in_window": "\(recent)"]
        guard let outcome = await notifier.deliverDigest(message, to: target, via: link) else {
            for item in items { await deliver(item) }  // this kind takes no digest
            return
        }
        guard let attempt = outcome else {
            logger.info("storm digest interrupted by shutdown; it will be sent again", metadata: metadata)
            return
        }
        // The most-tried row decides, so none is retried past max_attempts.
        let decision = policy.decide(attempt, attempts: (items.map(\.attempts).max() ?? first.attempts) + 1, now: clock.now())
        let repository = self.repository
        let ids = items.map(\.id)
        do {
            try await Task { try await repository.finishDeliveries(ids, decision) }.value
        } catch {
            metadata["error"] = "\(error)"
            logger.error("could not record a storm digest; it will be attempted again", metadata: metadata)
            return
        }
        record(decision, target: target.name, count: items.count, metadata: metadata, what: "storm digest")
    }

    /// What a notifier delivers through: the bounded exchange and the repository.
    var link: DeliveryLink {
        let http = self.http
        let timeout = self.timeout
        return DeliveryLink(exchange: { request in await Self.exchange(request, http: http, timeout: timeout) },
                            repository: repository, logger: logger)
    }

    func deliver(_ delivery: PendingDelivery) async {
        let metadata: Logger.Metadata = [
            "incident": "\(delivery.incident.head.id)", "target": "\(delivery.target)", "event": "\(delivery.event.rawValue)",
            "delivery": "\(delivery.id)", "attempt": "\(delivery.attempts + 1)",
        ]
        let attempt: DeliveryPolicy.Attempt
        if let target = targets[delivery.target], let notifier = notifiers[delivery.target] {
            guard let sent = await notifier.deliver(delivery, to: target, via: link) else {
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
            var metadata = metadata
            metadata["error"] = "\(error)"
            logger.error("could not record a delivery attempt; it will be attempted again", metadata: metadata)
            return
        }
        record(decision, target: delivery.target, count: 1, metadata: metadata, what: "notification")
    }

    /// Counts and logs a recorded attempt (a digest's stands for `count` rows).
    private func record(_ decision: DeliveryPolicy.Decision, target: String, count: Int, metadata: Logger.Metadata, what: String) {
        var metadata = metadata
        if count > 1, decision == .delivered { metrics.digested(target: target, incidents: count) }
        switch decision {
        case .delivered:
            metrics.delivery(target: target, result: "delivered")
            logger.debug("\(what) delivered", metadata: metadata)
        case .retry(let at, let reason):
            metrics.delivery(target: target, result: "retry")
            metadata["error"] = "\(reason)"
            metadata["next_attempt"] = "\(at.rfc3339)"
            logger.warning("\(what) delivery failed; will retry", metadata: metadata)
        case .failed(let reason):
            metrics.delivery(target: target, result: "failed")
            metadata["error"] = "\(reason)"
            logger.error("\(what) delivery failed for good", metadata: metadata)
        }
    }

    /// One request, bounded by `timeout` whatever the transport does (a receiver that drips its
    /// body, a client that ignores its own deadline); nil when cancelled before an outcome.
    static func exchange(_ request: OutboundRequest, http: any OutboundHTTP, timeout: Duration) async -> DeliveryLink.Exchange? {
        let exchange = await Deadline.run(timeout) { () async -> DeliveryLink.Exchange in
            do {
                return .answered(try await http.send(request, timeout: timeout))
            } catch {
                return .failed("\(error)")
            }
        }
        if let exchange { return exchange }
        return Task.isCancelled ? nil : .failed("timed out after \(timeout)")
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
