/// Renders chat replies in the platform's own dialect (Slack's mrkdwn by default, Mattermost's
/// Markdown). Pure; golden-file tested.
public struct ChatReplies: Sendable {
    /// Where links point; unconfigured: no links.
    public var links: ExternalURL
    public var dialect: ChatDialect

    public init(links: ExternalURL = ExternalURL(), dialect: ChatDialect = .slack) {
        self.links = links
        self.dialect = dialect
    }

    // MARK: - Help and errors

    public func help(_ table: [CommandSpec]) -> String {
        var lines = ["\(dialect.bold("Firehouse commands")) (incident refs: `12`, `#12` or `INC-12`)"]
        for spec in table { lines.append("• `\(spec.usage)` — \(spec.summary)") }
        return lines.joined(separator: "\n")
    }

    public func help(_ spec: CommandSpec) -> String {
        var text = "`\(spec.usage)` — \(spec.summary)"
        if !spec.aliases.isEmpty { text += "\nAlso: " + spec.aliases.map { "`\($0)`" }.joined(separator: ", ") }
        return text
    }

    public func error(_ error: ChatParseError, parser: ChatCommandParser) -> String {
        switch error {
        case .empty:
            return "Say what to do. " + help(ChatCommandParser.table)
        case .unbalancedQuote:
            return "A quote is not closed. Put quotes around whole words, e.g. `note 12 \"disk full\"`."
        case .tooLong(let limit):
            return "That command is longer than \(limit) bytes."
        case .unknownCommand(let name):
            return "Unknown command \(dialect.code(name, limit: 40)). Try `help`.\n" + help(ChatCommandParser.table)
        case .badArgument(let command, let message):
            let usage = parser.spec(named: command).map { "\nUsage: `\($0.usage)`" } ?? ""
            return "\(dialect.text(message, limit: .max)).\(usage)"
        }
    }

    // MARK: - Incidents

    func line(_ summary: IncidentSummary) -> String {
        let h = summary.head
        return "\(h.drill ? "[DRILL] " : "")\(dialect.bold("\(IncidentReference.format(h.id))")) [\(h.severity.name)] \(h.status.rawValue) — \(dialect.text(h.title, limit: 120))"
            + " (\(summary.firingAlertCount)/\(summary.alertCount) alerts firing)"
    }

    public func list(_ page: IncidentPage, filter: IncidentStatusFilter) -> String {
        guard !page.incidents.isEmpty else { return "No \(Self.name(filter)) incidents." }
        let heading = "\(page.incidents.count) \(Self.name(filter)) incident\(page.incidents.count == 1 ? "" : "s")"
        var lines = [dialect.bold(heading)]
        lines += page.incidents.map(line)
        if page.next != nil { lines.append("…and more; see the API for the full list.") }
        return lines.joined(separator: "\n")
    }

    static func name(_ filter: IncidentStatusFilter) -> String {
        switch filter {
        case .open: "open"
        case .all: "recorded"
        case .only(let status): status.rawValue
        }
    }

    public func show(_ detail: IncidentDetail, roles: [RoleAssignment]) -> String {
        let h = detail.summary.head
        var lines = [line(detail.summary)]
        lines.append("Opened \(Self.time(h.openedAt))"
            + (h.milestones.acknowledgedAt.map { " · acknowledged \(Self.time($0))" } ?? "")
            + (h.milestones.mitigatedAt.map { " · mitigated \(Self.time($0))" } ?? "")
            + (h.milestones.resolvedAt.map { " · resolved \(Self.time($0))" } ?? "")
            + (h.milestones.closedAt.map { " · closed \(Self.time($0))" } ?? ""))
        let current = roles.filter(\.isCurrent)
        lines.append(current.isEmpty ? "Roles: none assigned"
            : "Roles: " + current.map { "\($0.role) \(dialect.text($0.user.name, limit: .max))" }.joined(separator: ", "))
        if h.reopenCount > 0 { lines.append("Reopened \(h.reopenCount)×") }
        for alert in detail.alerts.prefix(10) {
            let name = alert.labels["alertname"] ?? alert.fingerprint
            let summary = alert.annotations["summary"].map { ": " + dialect.text($0, limit: 120) } ?? ""
            lines.append("• \(alert.status.rawValue) \(dialect.text(name, limit: 80))\(summary)")
        }
        if detail.alerts.count > 10 { lines.append("• …and \(detail.alerts.count - 10) more alerts") }
        if let link = link(h.id) { lines.append(link) }
        return lines.joined(separator: "\n")
    }

    public func timeline(_ id: Int64, entries: [TimelineEntry], limit: Int = 30) -> String {
        guard !entries.isEmpty else { return "\(IncidentReference.format(id)) has no timeline yet." }
        var lines = ["\(dialect.bold("Timeline of \(IncidentReference.format(id))"))"]
        let shown = entries.suffix(limit)
        if entries.count > limit { lines.append("…\(entries.count - limit) earlier entries") }
        for e in shown {
            lines.append("`\(Self.time(e.at))` \(dialect.text(e.text, limit: 200)) — \(dialect.text(e.actor, limit: 40))")
        }
        return lines.joined(separator: "\n")
    }

    public func roles(_ id: Int64, roles: [RoleAssignment], catalog: RoleCatalog) -> String {
        var lines = ["\(dialect.bold("Roles of \(IncidentReference.format(id))"))"]
        for role in catalog.names {
            let held = roles.filter { $0.role == role }
            guard let current = held.first(where: \.isCurrent) else {
                lines.append("• \(role): nobody" + history(held))
                continue
            }
            lines.append("• \(role): \(dialect.text(current.user.name, limit: .max)) since \(Self.time(current.from))" + history(held))
        }
        return lines.joined(separator: "\n")
    }

    private func history(_ held: [RoleAssignment]) -> String {
        let past = held.filter { !$0.isCurrent }
        guard !past.isEmpty else { return "" }
        return " (before: " + past.map {
            "\(dialect.text($0.user.name, limit: .max)) \(Self.time($0.from))–\(Self.time($0.to!))"
        }.joined(separator: ", ") + ")"
    }

    public func declared(_ head: IncidentHead) -> String {
        let what = head.drill ? "Drill" : "Declared"
        let note = head.drill ? " (a drill: marked everywhere, left out of stats and error budgets)" : ""
        return "\(what) \(dialect.bold("\(IncidentReference.format(head.id))")) [\(head.severity.name)]: \(dialect.text(head.title, limit: 200))"
            + note + (link(head.id).map { "\n\($0)" } ?? "")
    }

    public func noRunbook(_ id: String, library: RunbookLibrary) -> String {
        let ids = library.runbooks.prefix(30).map(\.id)
        return "No runbook \(dialect.code(id, limit: 80))." + (ids.isEmpty ? "" : " Runbooks: " + ids.map { dialect.code($0, limit: 80) }.joined(separator: ", "))
    }

    /// Error budgets: one line per service, or one service with the incidents charged to it.
    public func slo(_ reports: [ErrorBudget.Report], service: String?) -> String {
        guard !reports.isEmpty else { return "No service objectives are configured (`slo.services`)." }
        func line(_ r: ErrorBudget.Report) -> String {
            let o = r.objective
            let left = r.remaining.nanoseconds < 0 ? "overspent by \(TimeSpan(nanoseconds: -r.remaining.nanoseconds).humanReadable)"
                : "\(PostmortemRenderer.percent(100 * r.remainingRatio)) left"
            return "\(dialect.bold(dialect.text(o.service, limit: 60))) \(PostmortemRenderer.percent(o.objective)) over \(o.window.humanReadable): "
                + "\(r.consumed.humanReadable) of \(r.allowed.humanReadable) used, \(left), burn rate \(Self.decimal(r.burnRate))×, "
                + "availability \(PostmortemRenderer.percent(r.availability))"
        }
        guard let service else { return "Error budgets:\n" + reports.map { "• " + line($0) }.joined(separator: "\n") }
        guard let report = reports.first(where: { $0.objective.service == service }) else {
            return "No service objective named \(dialect.text(service, limit: 60)) (services: "
                + reports.map { dialect.text($0.objective.service, limit: 60) }.joined(separator: ", ") + ")."
        }
        var lines = [line(report)]
        if report.incidents.isEmpty { lines.append("No incident was charged in the window.") }
        for charge in report.incidents.suffix(20) {
            lines.append("• \(dialect.bold(IncidentReference.format(charge.id))): \(charge.charged.humanReadable)")
        }
        return lines.joined(separator: "\n")
    }

    /// One decimal.
    public static func decimal(_ value: Double) -> String {
        let tenths = Saturating.int64((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    public func changed(_ id: Int64, timeline: [TimelineDraft]) -> String {
        let ref = IncidentReference.format(id)
        return timeline.map { "\(dialect.bold("\(ref)")): \(dialect.text($0.text, limit: 300)) (by \(dialect.text($0.actor, limit: 40)))" }
            .joined(separator: "\n")
    }

    /// The mitigation steps of the attached runbook; runbook text is trusted (it is in the repo), links are not.
    public func runbook(_ id: Int64, runbook: Runbook?, links: [String]) -> String {
        let ref = IncidentReference.format(id)
        guard let runbook else {
            let linked = links.isEmpty ? "" : "\nLinked from the alerts: " + links.map(dialect.link).joined(separator: ", ")
            return "No runbook is attached to \(ref).\(linked)"
        }
        var text = "\(dialect.bold("\(ref)")) runbook \(dialect.bold("\(dialect.text(runbook.title, limit: .max))")) (`\(runbook.id)`)\n\(dialect.bold("Mitigation"))\n"
        text += runbook.section("Mitigation") ?? "(this runbook has no Mitigation section)"
        if let first = links.first { text += "\nMore: " + dialect.link(first) }
        return text
    }

    public func notFound(_ id: Int64) -> String { "No incident \(IncidentReference.format(id))." }

    func link(_ id: Int64) -> String? { links.incidentPage(id) }

    /// `2026-11-25 15:04Z`: short, unambiguous, UTC.
    static func time(_ t: Timestamp) -> String {
        let text = t.rfc3339
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5)) + "Z"
    }
}
