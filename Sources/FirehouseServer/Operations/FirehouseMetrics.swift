import FirehouseCore
import FirehouseService
import Prometheus
import Synchronization

/// The service's Prometheus metrics (`GET /metrics`), kept in one registry per application.
public final class FirehouseMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Counters and histograms by name and label values, each made through the registry once: making
    /// one checks its name and help text every time, about 80,000 instructions per webhook request.
    private let counters = Mutex<[MetricKey: Counter]>([:])
    private let histograms = Mutex<[MetricKey: DurationHistogram]>([:])

    private struct MetricKey: Hashable {
        var name: String
        var labels: [String]
    }
    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
    ]

    public init() {
        // A constant 1 with the version as a label (the Prometheus convention), so dashboards can
        // tell which version each replica runs during a rolling update.
        registry.makeGauge(
            descriptor: name("build_info", "", "Always 1; the version of this binary in its labels."),
            labels: [("version", BuildInfo.version), ("swift", BuildInfo.swiftVersion)]
        ).set(to: 1)
    }

    private func name(_ metric: String, _ unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "firehouse", metricName: metric, unitName: unit, helpText: help)
    }

    /// The counter `metric` with `labels`, made on first use.
    private func counter(_ metric: String, _ unit: String, _ help: String, labels: [(String, String)] = []) -> Counter {
        counters.withLock { made in
            let key = MetricKey(name: metric, labels: labels.map(\.1))
            if let counter = made[key] { return counter }
            let counter = registry.makeCounter(descriptor: name(metric, unit, help), labels: labels)
            made[key] = counter
            return counter
        }
    }

    /// The duration histogram `metric` (in seconds, `latencyBuckets`) with `labels`, made on first use.
    private func histogram(_ metric: String, _ help: String, labels: [(String, String)] = []) -> DurationHistogram {
        histograms.withLock { made in
            let key = MetricKey(name: metric, labels: labels.map(\.1))
            if let histogram = made[key] { return histogram }
            let histogram = registry.makeDurationHistogram(descriptor: name(metric, "seconds", help), labels: labels,
                                                           buckets: Self.latencyBuckets)
            made[key] = histogram
            return histogram
        }
    }

    /// One webhook request and how it ended (`ok`, `bad_request`, `unauthorized`, `too_large`,
    /// `dead_letter`, `unavailable`, `error`); `receiver` is a configured name or `other`.
    func notificationReceived(receiver: String, result: String) {
        counter("notifications_received", "total", "Alertmanager notifications received, by receiver and result.",
                labels: [("receiver", receiver), ("result", result)]).increment()
    }

    /// A notification rejected for good and kept in the dead-letter table (each arrival counts).
    func deadLettered() {
        counter("dead_letters", "total", "Notifications rejected for good and kept as dead letters (each arrival).").increment()
    }

    func alertsReceived(_ count: Int) {
        counter("alerts_received", "total", "Alerts received in notifications that were stored.").increment(by: Int64(count))
    }

    /// Incident transitions: `opened`, `reopened`, `resolved`, `closed`.
    func incident(_ transition: IncidentTransition) {
        counter("incidents", "total", "Incident transitions, by action (opened, reopened, resolved, closed).",
                labels: [("action", transition.rawValue)]).increment()
    }

    func requestDuration(route: String, method: String, status: Int, _ duration: Duration) {
        histogram("http_request_duration", "HTTP request duration, by route, method and status.",
                  labels: [("route", route), ("method", method), ("status", String(status))]).record(duration)
    }

    func commitDuration(_ duration: Duration, notifications: Int) {
        histogram("sqlite_commit_duration",
                  "Time to write and commit one group of notifications (its WAL sync follows, beside the next group).").record(duration)
        counter("sqlite_commits", "total", "Write transactions of ingest (group commits).").increment()
        counter("sqlite_committed_notifications", "total", "Notifications written by those transactions.").increment(by: Int64(notifications))
    }

    /// One fdatasync of the WAL, which every write waits for before it is answered.
    func walSyncDuration(_ duration: Duration) {
        histogram("sqlite_wal_sync_duration", "Time of one fdatasync of the WAL; every write waits for one before its answer.")
            .record(duration)
    }

    /// Sets the gauge of open incidents from current counts (all combinations, zeros included).
    func openIncidents(_ counts: [OpenIncidentCount]) {
        for severity in Severity.allCases {
            for status in IncidentStatus.allCases where status.isActive {
                let value = counts.first { $0.severity == severity && $0.status == status }?.count ?? 0
                registry.makeGauge(
                    descriptor: name("open_incidents", "", "Incidents not yet resolved, by severity and status."),
                    labels: [("severity", severity.name), ("status", status.rawValue)]
                ).set(to: Double(value))
            }
        }
    }

    /// A refused request: bad or missing credentials (`credentials`), an API token without the
    /// route's scope (`scope`), or a change asked by a chat user who is not identified (`anonymous_change`).
    func authDenied(route: String, reason: String) {
        counter("auth_denied", "total", "Requests refused for authorization, by route and reason.",
                labels: [("route", route), ("reason", reason)]).increment()
    }

    /// One delivery attempt: `delivered`, `retry` (failed, will try again) or `failed` (gave up).
    func delivery(target: String, result: String) {
        counter("outbox_deliveries", "total", "Outbound notification attempts, by target and result (delivered, retry, failed).",
                labels: [("target", target), ("result", result)]).increment()
    }

    /// Each configured service's error budget, set at every scrape.
    func errorBudgets(_ reports: [ErrorBudget.Report]) {
        for report in reports {
            let labels = [("service", report.objective.service)]
            registry.makeGauge(descriptor: name("slo_budget_remaining_ratio", "", "Share of the service's error budget left (negative once overspent)."),
                               labels: labels).set(report.remainingRatio)
            registry.makeGauge(descriptor: name("slo_budget_consumed", "seconds", "Downtime charged to the service's error budget within its window."),
                               labels: labels).set(report.consumed.seconds)
            registry.makeGauge(descriptor: name("slo_budget_allowed", "seconds", "Downtime the service's objective allows within its window."),
                               labels: labels).set(report.allowed.seconds)
            registry.makeGauge(descriptor: name("slo_burn_rate", "", "How fast the service's budget burned over the last hour (1: exactly over the window)."),
                               labels: labels).set(report.burnRate)
        }
    }

    func digested(target: String, incidents: Int) {
        counter("outbox_digested_openings", "total", "Incident openings announced in a storm digest instead of one by one, by target.",
                labels: [("target", target)]).increment(by: Int64(incidents))
    }

    /// Sets the outbox gauges from current counts; configured targets missing from them are at 0.
    func outboxDepth(_ depths: [OutboxDepth], targets: [String]) {
        let missing = Set(targets).subtracting(depths.map(\.target)).sorted()
        for depth in depths + missing.map({ OutboxDepth(target: $0, pending: 0, failed: 0) }) {
            registry.makeGauge(
                descriptor: name("outbox_pending", "", "Outbound notifications waiting to be delivered, by target."),
                labels: [("target", depth.target)]
            ).set(to: Double(depth.pending))
            registry.makeGauge(
                descriptor: name("outbox_failed", "", "Outbound notifications given up on after the last retry, by target."),
                labels: [("target", depth.target)]
            ).set(to: Double(depth.failed))
        }
    }

    func exposition() -> [UInt8] { registry.emitToBuffer() }
}

extension FirehouseMetrics: TimelineObserver {
    /// Counts transitions where they are written, once committed: the same for every path.
    public func committed(_ entries: [RecordedEntry]) {
        for recorded in entries {
            if let transition = recorded.entry.event.transition { incident(transition) }
        }
    }
}
