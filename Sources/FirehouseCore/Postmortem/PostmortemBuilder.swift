/// Computes the post-mortem model from a stored incident. Pure: no clock, no I/O.
public enum PostmortemBuilder {
    static let systemActors: Set<String> = [SystemActor.alertmanager, SystemActor.firehouse]

    /// - Parameter incidentURL: link to the incident in the API, if the external URL is known.
    /// - Parameter leadRole: the role whose gaps are `timeWithoutCommander` (`RoleCatalog.lead`).
    public static func build(_ detail: IncidentDetail, library: RunbookLibrary, incidentURL: String? = nil,
                             leadRole: String = RoleCatalog.default.lead, budgets: [ErrorBudget.Report] = []) -> PostmortemModel {
        let head = detail.summary.head
        let m = head.milestones
        let start = detail.alerts.map(\.startsAt).min().map { min($0, head.openedAt) } ?? head.openedAt
        let end = m.resolvedAt ?? m.closedAt
        let recordEnd = end ?? detail.timeline.last?.at ?? head.openedAt
        let commander = detail.roles.filter { $0.role == leadRole }

        let impact = PostmortemModel.Impact(
            start: start, detected: head.openedAt, end: end, duration: end.map { $0 - start },
            services: distinct(detail.alerts.compactMap { $0.labels["service"] }),
            namespaces: distinct(detail.alerts.compactMap { $0.labels["namespace"] }),
            alertnames: distinct(detail.alerts.map { $0.labels["alertname"] ?? $0.fingerprint }),
            peakFiringAlerts: peakFiring(detail.alerts))
        let metrics = PostmortemModel.Metrics(
            timeToDetect: head.openedAt - start,
            timeToAcknowledge: m.acknowledgedAt.map { $0 - head.openedAt },
            timeToMitigate: m.mitigatedAt.map { $0 - head.openedAt },
            timeToResolve: m.resolvedAt.map { $0 - head.openedAt },
            timeToClose: m.closedAt.map { $0 - head.openedAt },
            alertCount: detail.alerts.count, reopenCount: head.reopenCount,
            severityChanges: detail.timeline.filter { $0.event.kind == .severityChanged }.count,
            timeWithoutCommander: uncovered(from: head.openedAt, to: recordEnd, by: commander))

        var links: [PostmortemModel.Link] = []
        if let incidentURL { links.append(.init(name: "incident", url: incidentURL)) }
        for url in detail.runbookLinks { links.append(.init(name: "runbook", url: url)) }
        for url in distinct(detail.alerts.compactMap { $0.annotations["dashboard_url"] }) {
            links.append(.init(name: "dashboard", url: url))
        }

        let attachedAt = Dictionary(
            detail.timeline.compactMap { e in if case .runbookAttached(let id, _, _) = e.event { (id, e.at) } else { nil } },
            uniquingKeysWith: { first, _ in first })
        func info(_ id: String) -> PostmortemModel.RunbookInfo {
            let runbook = library[id]
            return .init(id: id, title: runbook?.title ?? id, path: runbook?.path ?? "", attachedAt: attachedAt[id])
        }
        let primary = library.primary(of: detail.runbooks)?.id ?? detail.runbooks.first

        var model = PostmortemModel(
            ref: IncidentReference.format(head.id), id: head.id, title: head.title, status: head.status.rawValue,
            severity: head.severity.name, date: String(start.rfc3339.prefix(10)),
            authors: distinct(detail.roles.map(\.user.name) + detail.timeline.map(\.actor).filter { !systemActors.contains($0) }),
            summary: detail.timeline.lazy.reversed().compactMap { e -> String? in
                if case .statusChanged(_, .resolved, let summary?) = e.event { summary } else { nil }
            }.first ?? "",
            links: links, impact: impact, metrics: metrics,
            roles: roleHistory(detail.roles, until: recordEnd),
            timeline: timelineRows(detail),
            runbook: primary.map(info),
            relatedRunbooks: detail.runbooks.filter { $0 != primary }.map(info),
            actionItems: detail.timeline.filter { $0.event == .note && isActionItem($0.text) }
                .map { .init(text: actionText($0.text), author: $0.actor, time: $0.at) },
            alerts: detail.alerts.map { alert in
                .init(alertname: alert.labels["alertname"] ?? "alert", fingerprint: alert.fingerprint, status: alert.status.rawValue,
                      startsAt: alert.startsAt, endsAt: alert.endsAt,
                      labels: alert.labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                      annotations: alert.annotations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                      generatorURL: alert.generatorURL)
            })
        model.drill = head.drill
        model.sloImpact = head.drill ? [] : budgets.compactMap { report in
            guard let charge = report.incidents.first(where: { $0.id == head.id }) else { return nil }
            let allowed = report.allowed
            return .init(service: report.objective.service, objective: report.objective.objective, window: report.objective.window,
                         allowed: allowed, charged: charge.charged,
                         shareOfBudget: allowed.nanoseconds > 0 ? 100 * Double(charge.charged.nanoseconds) / Double(allowed.nanoseconds) : 0,
                         remaining: report.remaining, remainingRatio: report.remainingRatio)
        }
        return model
    }

    static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    static func isActionItem(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("todo") || lower.hasPrefix("action:")
    }

    static func actionText(_ text: String) -> String {
        var rest = Substring(text)
        if rest.lowercased().hasPrefix("action:") { rest = rest.dropFirst(7) }
        else if rest.lowercased().hasPrefix("todo") {
            rest = rest.dropFirst(4)
            if rest.hasPrefix(":") { rest = rest.dropFirst() }
        }
        let trimmed = rest.trimmingWhitespace()
        return trimmed.isEmpty ? text : String(trimmed)
    }

    /// Most alerts firing at the same moment; an alert without an end is still firing.
    static func peakFiring(_ alerts: [AlertRecord]) -> Int {
        var events: [(Timestamp, Int)] = []
        events.reserveCapacity(alerts.count * 2)
        for alert in alerts {
            events.append((alert.startsAt, 1))
            if let end = alert.endsAt { events.append((end, -1)) }
        }
        // At equal times, ends come before starts: touching intervals do not overlap.
        events.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        var current = 0, peak = 0
        for (_, delta) in events {
            current += delta
            peak = max(peak, current)
        }
        return peak
    }

    /// Length of [from, to] not covered by any of the assignments.
    static func uncovered(from: Timestamp, to: Timestamp, by assignments: [RoleAssignment]) -> TimeSpan {
        guard to > from else { return TimeSpan(nanoseconds: 0) }
        let intervals = assignments.map { (max($0.from, from), min($0.to ?? to, to)) }.filter { $0.0 < $0.1 }.sorted { $0.0 < $1.0 }
        var covered: Int64 = 0
        var cursor = from
        for (start, end) in intervals where end > cursor {
            covered += (end - max(start, cursor)).nanoseconds
            cursor = end
        }
        return TimeSpan(nanoseconds: (to - from).nanoseconds - covered)
    }

    static func roleHistory(_ roles: [RoleAssignment], until end: Timestamp) -> [PostmortemModel.RoleHistory] {
        var order: [String] = []
        var byRole: [String: [PostmortemModel.Holder]] = [:]
        for assignment in roles {
            if byRole[assignment.role] == nil { order.append(assignment.role) }
            let stop = assignment.to ?? max(end, assignment.from)
            byRole[assignment.role, default: []].append(
                .init(user: assignment.user.name, from: assignment.from, to: assignment.to, duration: stop - assignment.from))
        }
        return order.map { .init(role: $0, holders: byRole[$0]!) }
    }

    /// One row per timeline entry, except that runs of the same alert event (same kind and alertname)
    /// become one row, so a storm of hundreds of alerts stays readable.
    static func timelineRows(_ detail: IncidentDetail) -> [PostmortemModel.TimelineRow] {
        var place: [String: String] = [:]
        var noun: [String: String] = [:]
        for alert in detail.alerts {
            for label in ["pod", "instance", "service", "job"] {
                if let value = alert.labels[label] {
                    place[alert.fingerprint] = value
                    noun[alert.fingerprint] = label == "pod" ? "pods" : label == "instance" ? "instances" : "\(label)s"
                    break
                }
            }
        }
        var rows: [PostmortemModel.TimelineRow] = []
        var index = 0
        let entries = detail.timeline
        while index < entries.count {
            let entry = entries[index]
            let alert = Self.alertEvent(entry.event)
            var last = index
            if let alert {
                while last + 1 < entries.count, let next = Self.alertEvent(entries[last + 1].event),
                      next.fired == alert.fired, next.alert.alertname == alert.alert.alertname {
                    last += 1
                }
            }
            if last == index {
                rows.append(.init(time: entry.at, until: nil, event: entry.text, actor: entry.actor))
            } else {
                let group = entries[index...last]
                let verb = alert!.fired ? "fired" : "resolved"
                let fingerprints = group.compactMap { Self.alertEvent($0.event)?.alert.fingerprint }
                let places = distinct(fingerprints.compactMap { place[$0] })
                let kind = fingerprints.first.flatMap { noun[$0] } ?? "alerts"
                var text = "\(alert!.alert.alertname ?? "alerts") \(verb) on \(group.count) \(kind)"
                if !places.isEmpty {
                    let shown = places.prefix(3).joined(separator: ", ")
                    text += places.count > 3 ? " (\(shown), … \(places.last!))" : " (\(shown))"
                }
                rows.append(.init(time: entry.at, until: group.last!.at == entry.at ? nil : group.last!.at, event: text, actor: entry.actor))
            }
            index = last + 1
        }
        return rows
    }

    /// The alert episode a fired or resolved entry is about.
    private static func alertEvent(_ event: TimelineEvent) -> (fired: Bool, alert: TimelineEvent.AlertReference)? {
        switch event {
        case .alertFired(let alert): (true, alert)
        case .alertResolved(let alert, _): (false, alert)
        default: nil
        }
    }
}
