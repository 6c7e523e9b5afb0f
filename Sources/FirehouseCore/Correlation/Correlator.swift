/// Decides what a notification does to incidents: pure, given the stored state and the time.
public struct Correlator: Sendable {
    public var config: CorrelationConfig

    public init(config: CorrelationConfig) { self.config = config }

    /// The correlation key of an alert: the receiver plus the values of the grouping labels.
    public func keyLabels(of alert: AlertmanagerNotification.Alert, in notification: AlertmanagerNotification) -> LabelSet {
        guard let groupBy = config.groupBy else { return notification.groupLabels }
        var labels = LabelSet()
        for name in groupBy { labels[name] = alert.labels[name] ?? "" }
        return labels
    }

    public func key(of labels: LabelSet, receiver: String) -> String {
        receiver + " " + labels.canonicalText
    }

    /// A drill's alerts get keys of their own, so a rehearsal never joins a real incident (nor a
    /// real alert a drill), whatever Alertmanager grouped together.
    func key(_ base: String, for alert: AlertmanagerNotification.Alert) -> String {
        config.isDrill(alert.labels) ? base + " drill" : base
    }

    /// What the shell must load before calling `correlate`.
    public func lookup(for notification: AlertmanagerNotification) -> CorrelationLookup {
        let keys: Set<String> = if let shared = sharedKey(of: notification) {
            notification.alerts.contains { config.isDrill($0.labels) } ? Set(notification.alerts.map { key(shared.key, for: $0) }) : [shared.key]
        } else {
            Set(notification.alerts.map { key(key(of: keyLabels(of: $0, in: notification), receiver: notification.receiver), for: $0) })
        }
        return CorrelationLookup(receiver: notification.receiver,
                                 episodes: Set(notification.alerts.map { EpisodeKey(fingerprint: $0.fingerprint, startsAt: $0.startsAt) }),
                                 keys: keys)
    }

    /// Grouping by the notification's `groupLabels` (the default) gives every alert the same key:
    /// computed once per notification rather than once per alert (a storm profile hot spot).
    func sharedKey(of notification: AlertmanagerNotification) -> (labels: LabelSet, key: String)? {
        guard config.groupBy == nil else { return nil }
        return (notification.groupLabels, key(of: notification.groupLabels, receiver: notification.receiver))
    }

    public func correlate(_ notification: AlertmanagerNotification, state: CorrelationState, now: Timestamp,
                          runbooks: RunbookLibrary = RunbookLibrary()) -> CorrelationPlan {
        var work = Work(state: state, now: now)
        let shared = sharedKey(of: notification)
        for alert in Self.uniqueEpisodes(notification.alerts) {
            let episodeKey = EpisodeKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt)
            if let stored = state.episodes[episodeKey] {
                apply(alert, to: stored, work: &work)
            } else if let shared {
                add(alert, keyLabels: shared.labels, key: key(shared.key, for: alert), notification: notification, work: &work)
            } else {
                let labels = keyLabels(of: alert, in: notification)
                add(alert, keyLabels: labels, key: key(key(of: labels, receiver: notification.receiver), for: alert),
                    notification: notification, work: &work)
            }
        }
        finish(notification, work: &work)
        attachRunbooks(runbooks, work: &work)
        return CorrelationPlan(
            incidents: work.order.map { work.plans[$0]! }, touchedEpisodes: work.touched, seenAt: now)
    }

    /// Within one body an episode appears once; if not, the last occurrence wins.
    static func uniqueEpisodes(_ alerts: [AlertmanagerNotification.Alert]) -> [AlertmanagerNotification.Alert] {
        var position: [EpisodeKey: Int] = [:]
        var result: [AlertmanagerNotification.Alert] = []
        for alert in alerts {
            let key = EpisodeKey(fingerprint: alert.fingerprint, startsAt: alert.startsAt)
            if let index = position[key] {
                result[index] = alert
            } else {
                position[key] = result.count
                result.append(alert)
            }
        }
        return result
    }

    // MARK: - Known episodes

    private func apply(_ alert: AlertmanagerNotification.Alert, to stored: StoredEpisode, work: inout Work) {
        let ref = IncidentRef.existing(stored.incidentID)
        switch (stored.status, alert.status) {
        case (.firing, .resolved):
            work[plan: ref].alertUpdates.append(AlertUpdate(
                episodeID: stored.id, status: .resolved, endsAt: alert.endsAt ?? work.now,
                annotations: alert.annotations, generatorURL: alert.generatorURL))
            work[plan: ref].timeline.append(Self.resolvedEntry(alert, at: work.now))
            work.firing[ref, default: 0] -= 1
            work.raise(ref, to: .updated)
        case (.firing, .firing) where stored.annotations != alert.annotations || stored.generatorURL != alert.generatorURL:
            // Annotation edits are not re-notified by Alertmanager on their own; keep the newest text.
            work[plan: ref].alertUpdates.append(AlertUpdate(
                episodeID: stored.id, status: .firing, endsAt: nil,
                annotations: alert.annotations, generatorURL: alert.generatorURL))
        default:
            // A repeat, or a stale firing after the episode resolved: never un-resolve.
            work.touched.append(stored.id)
            _ = work[plan: ref]
        }
    }

    // MARK: - New episodes

    private func add(_ alert: AlertmanagerNotification.Alert, keyLabels: LabelSet, key: String,
                     notification: AlertmanagerNotification, work: inout Work) {
        let ref: IncidentRef
        if let active = work.activeByKey[key] {
            ref = active
        } else if let resolved = work.recentlyResolved(key: key, window: config.reopenWindow) {
            ref = resolved
            if alert.status == .firing { reopen(ref, work: &work) }
        } else {
            ref = open(key: key, keyLabels: keyLabels, alert: alert, notification: notification, work: &work)
        }
        var plan = work[plan: ref]
        plan.newAlerts.append(NewAlert(
            alert: alert, receiver: notification.receiver,
            endsAt: alert.status == .resolved ? (alert.endsAt ?? work.now) : nil))
        switch alert.status {
        case .firing:
            plan.timeline.append(TimelineDraft(
                at: work.now, actor: SystemActor.alertmanager, text: "\(Self.describe(alert)) fired",
                event: .alertFired(.init(alert))))
            work.firing[ref, default: 0] += 1
            let severity = config.severity.severity(of: alert.labels)
            if !plan.head.severityPinned, severity > plan.head.severity {
                plan.timeline.append(TimelineDraft(
                    at: work.now, actor: SystemActor.alertmanager,
                    text: "severity raised from \(plan.head.severity.name) to \(severity.name) by \(Self.describe(alert))",
                    event: .severityChanged(from: plan.head.severity, to: severity)))
                plan.head.severity = severity
                plan.headChanged = true
            }
        case .resolved:
            plan.timeline.append(Self.resolvedEntry(alert, at: work.now))
        }
        work.plans[ref] = plan
        work.raise(ref, to: .updated)
    }

    private func open(key: String, keyLabels: LabelSet, alert: AlertmanagerNotification.Alert,
                      notification: AlertmanagerNotification, work: inout Work) -> IncidentRef {
        let ref = IncidentRef.new(work.opened)
        work.opened += 1
        let head = IncidentHead(
            id: 0, correlationKey: key, receiver: notification.receiver,
            title: Self.title(notification: notification, alert: alert, keyLabels: keyLabels),
            labels: keyLabels, severity: config.severity.severity(of: alert.labels),
            milestones: .init(status: .triggered), openedAt: work.now, drill: config.isDrill(alert.labels))
        work.startPlan(ref, head: head, firing: 0)
        work.plans[ref]!.timeline.append(TimelineDraft(
            at: work.now, actor: SystemActor.alertmanager, text: "incident opened: \(head.title)",
            event: .incidentOpened(severity: head.severity,
                                   source: .alerts(receiver: notification.receiver, groupKey: notification.groupKey))))
        work.raise(ref, to: .opened)
        work.activeByKey[key] = ref
        return ref
    }

    private func reopen(_ ref: IncidentRef, work: inout Work) {
        var plan = work[plan: ref]
        guard case .moved(_, let next) = IncidentLifecycle.apply(.reopen, to: plan.head.milestones, at: work.now) else { return }
        plan.head.milestones = next
        plan.head.reopenCount += 1
        plan.headChanged = true
        plan.timeline.append(TimelineDraft(
            at: work.now, actor: SystemActor.alertmanager,
            text: "incident reopened: alerts fired again (reopened \(plan.head.reopenCount)×)",
            event: .incidentReopened(reopenCount: plan.head.reopenCount)))
        work.plans[ref] = plan
        work.activeByKey[plan.head.correlationKey] = ref
        work.resolvedByKey[plan.head.correlationKey] = nil
        work.raise(ref, to: .reopened)
    }

    // MARK: - After all alerts

    private func finish(_ notification: AlertmanagerNotification, work: inout Work) {
        for ref in work.order {
            var plan = work.plans[ref]!
            if notification.truncatedAlerts != plan.head.truncatedAlerts {
                if notification.truncatedAlerts > 0 {
                    plan.timeline.append(TimelineDraft(
                        at: work.now, actor: SystemActor.alertmanager,
                        text: "notification truncated: \(notification.truncatedAlerts) alerts were left out by max_alerts",
                        event: .notificationTruncated(truncatedAlerts: notification.truncatedAlerts)))
                }
                plan.head.truncatedAlerts = notification.truncatedAlerts
                plan.headChanged = true
            }
            // Left-out alerts may still fire, so a truncated body never resolves the incident.
            if config.autoResolve, notification.truncatedAlerts == 0, plan.head.status.isActive,
               work.firing[ref, default: 0] <= 0, plan.outcome != .unchanged,
               case .moved(_, let next) = IncidentLifecycle.apply(.resolve, to: plan.head.milestones, at: work.now) {
                plan.head.milestones = next
                plan.headChanged = true
                plan.timeline.append(TimelineDraft(
                    at: work.now, actor: SystemActor.firehouse, text: "all alerts resolved", event: .incidentResolved))
                if plan.outcome != .opened { plan.outcome = .resolved }
            }
            work.plans[ref] = plan
        }
    }

    /// Matching runs when an incident opens and when alerts join it; each runbook is attached once.
    private func attachRunbooks(_ library: RunbookLibrary, work: inout Work) {
        guard !library.isEmpty else { return }
        for ref in work.order {
            var plan = work.plans[ref]!
            guard !plan.newAlerts.isEmpty else { continue }
            var attached: Set<String> = if case .existing(let id) = ref { work.state.attachedRunbooks[id] ?? [] } else { [] }
            for runbook in library.matching(plan.newAlerts.map(\.alert.labels)) where attached.insert(runbook.id).inserted {
                plan.attachRunbooks.append(runbook.id)
                plan.timeline.append(TimelineDraft(
                    at: work.now, actor: SystemActor.firehouse, text: "runbook \(runbook.id) attached",
                    event: .runbookAttached(id: runbook.id, title: runbook.title, path: runbook.path)))
            }
            work.plans[ref] = plan
        }
    }

    // MARK: - Text

    static func describe(_ alert: AlertmanagerNotification.Alert) -> String {
        let name = alert.labels["alertname"] ?? "alert"
        let place = ["instance", "pod", "service", "job"].lazy.compactMap { alert.labels[$0] }.first
        return place.map { "\(name) on \($0)" } ?? name
    }

    static func resolvedEntry(_ alert: AlertmanagerNotification.Alert, at now: Timestamp) -> TimelineDraft {
        TimelineDraft(at: now, actor: SystemActor.alertmanager, text: "\(describe(alert)) resolved",
                      event: .alertResolved(.init(alert), endsAt: alert.endsAt))
    }

    static func title(notification: AlertmanagerNotification, alert: AlertmanagerNotification.Alert, keyLabels: LabelSet) -> String {
        if let summary = notification.commonAnnotations["summary"], !summary.isEmpty { return summary }
        let name = alert.labels["alertname"] ?? notification.commonLabels["alertname"] ?? "Alert"
        let rest = keyLabels.filter { $0.key != "alertname" && !$0.value.isEmpty }
            .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return rest.isEmpty ? name : "\(name) (\(rest.joined(separator: ", ")))"
    }
}
