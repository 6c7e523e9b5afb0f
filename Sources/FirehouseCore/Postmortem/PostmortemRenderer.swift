/// The default post-mortem draft: blameless structure after Google SRE and PagerDuty, as Markdown.
/// Pure; every text that came from alerts or people goes through `MarkdownText`.
public enum PostmortemRenderer {
    public static func render(_ model: PostmortemModel) -> String {
        if model.drill { return renderGameDay(model) }
        var out = ""
        out.reserveCapacity(4096 + model.timeline.count * 96 + model.alerts.count * 400)
        func line(_ text: String = "") { out += text; out += "\n" }
        let t = MarkdownText.inline

        header(model, heading: "Post-mortem", kind: "Incident", severity: "Severity", people: "Authors", line)

        line("## Summary")
        line()
        line(model.summary.isEmpty ? "TODO: what happened, who was affected, how it was fixed, in two or three sentences."
             : "\(t(model.summary))")
        line()
        line("> TODO: complete the summary for readers outside the team. Incident title: \(t(model.title)).")
        line()

        let i = model.impact
        line("## Impact")
        line()
        line("- Start (first alert fired): \(time(i.start))")
        line("- Detected (incident opened): \(time(i.detected))")
        line("- End (resolved): \(i.end.map(time) ?? "not resolved")")
        line("- Duration: \(i.duration.map(span) ?? "ongoing")")
        line("- Services affected: \(list(i.services))")
        line("- Namespaces affected: \(list(i.namespaces))")
        line("- Alerts involved: \(list(i.alertnames))")
        line("- Peak simultaneously firing alerts: \(i.peakFiringAlerts)")
        line()
        line("> TODO: who was affected and how much (users, requests, orders, revenue, SLO budget)?")
        line()

        sloSection(model, line)

        let m = model.metrics
        line("## Key metrics")
        line()
        line("| Metric | Value |")
        line("|---|---|")
        responseTimes(m, line)
        line("| Time to close | \(opt(m.timeToClose, never: "not closed")) |")
        line("| Alerts | \(m.alertCount) |")
        line("| Reopenings (flaps) | \(m.reopenCount) |")
        line("| Severity changes | \(m.severityChanges) |")
        line("| Time without a commander | \(span(m.timeWithoutCommander)) |")
        line()

        line("## Responders")
        line()
        if model.roles.isEmpty {
            line("No response roles were assigned.")
        } else {
            line("| Role | Person | From | To | Held for |")
            line("|---|---|---|---|---|")
            for role in model.roles {
                for h in role.holders {
                    line("| \(t(role.role)) | \(t(h.user)) | \(time(h.from)) | \(h.to.map(time) ?? "end") | \(span(h.duration)) |")
                }
            }
        }
        line()

        line("## Timeline")
        line()
        timelineTable(model, line)
        line()

        line("## Runbook")
        line()
        if let runbook = model.runbook {
            let path = runbook.path.isEmpty ? "" : " (`runbooks/\(runbook.path)`)"
            line("- \(t(runbook.title))\(path), id `\(runbook.id)`, attached \(runbook.attachedAt.map(time) ?? "at an unknown time")")
            for related in model.relatedRunbooks { line("- Also relevant: \(t(related.title)), id `\(related.id)`") }
        } else {
            line("No runbook was attached.")
        }
        for link in model.links where link.name == "runbook" {
            if let url = MarkdownText.url(link.url) { line("- Linked from the alerts: <\(url)>") }
        }
        line()
        line("> TODO: did the runbook help? What was missing or wrong in it?")
        line()

        for (heading, questions) in guidedSections {
            line("## \(heading)")
            line()
            line("> TODO: \(questions)")
            line()
        }

        line("## Action items")
        line()
        actionItems(model, types: "prevent / mitigate / detect", line)
        line()

        line("## Supporting information")
        line()
        if model.alerts.isEmpty { line("No alerts: the incident was declared by hand.") }
        for alert in model.alerts {
            line("### \(t(alert.alertname)) \(MarkdownText.code(alert.fingerprint)) (\(t(alert.status)))")
            line()
            line("- Fired: \(time(alert.startsAt)); ended: \(alert.endsAt.map(time) ?? "still firing")")
            line("- Labels: " + alert.labels.map { t("\($0.name)=\($0.value)") }.joined(separator: ", "))
            for annotation in alert.annotations {
                line("- \(t(annotation.name)): \(t(annotation.value))")
            }
            if let url = MarkdownText.url(alert.generatorURL) { line("- Generator: <\(url)>") }
            line()
        }
        return out
    }

    /// The title and the facts table.
    static func header(_ model: PostmortemModel, heading: String, kind: String, severity: String, people: String,
                       _ line: (String) -> Void) {
        let t = MarkdownText.inline
        line("# \(heading): \(model.ref) — \(t(model.title))")
        line("")
        line("| | |")
        line("|---|---|")
        line("| \(kind) | \(model.ref) |")
        line("| Status | Draft |")
        line("| \(severity) | \(model.severity) |")
        line("| Date | \(model.date) |")
        line("| \(people) | \(model.authors.isEmpty ? "TODO" : model.authors.map(t).joined(separator: ", ")) |")
        let links = model.links.compactMap { link in MarkdownText.url(link.url).map { "[\(link.name)](\($0))" } }
        line("| Links | \(links.isEmpty ? "none" : links.joined(separator: ", ")) |")
        line("")
    }

    /// Detect, acknowledge, mitigate and resolve: rows of a metrics table.
    static func responseTimes(_ m: PostmortemModel.Metrics, _ line: (String) -> Void) {
        line("| Time to detect (first alert → incident opened) | \(opt(m.timeToDetect)) |")
        line("| Time to acknowledge | \(opt(m.timeToAcknowledge, never: "never acknowledged")) |")
        line("| Time to mitigate | \(opt(m.timeToMitigate, never: "never mitigated")) |")
        line("| Time to resolve | \(opt(m.timeToResolve, never: "not resolved")) |")
    }

    static func timelineTable(_ model: PostmortemModel, _ line: (String) -> Void) {
        let t = MarkdownText.inline
        line("All times UTC.")
        line("")
        line("| Time | Event | Actor |")
        line("|---|---|---|")
        for row in model.timeline {
            let when = row.until.map { "\(time(row.time)) – \(clock($0))" } ?? time(row.time)
            line("| \(when) | \(t(row.event)) | \(t(row.actor)) |")
        }
    }

    /// The action items noted on the timeline, and a row to fill in; `types` suggests the kinds.
    static func actionItems(_ model: PostmortemModel, types: String, _ line: (String) -> Void) {
        line("| Action item | Type | Owner | Ticket |")
        line("|---|---|---|---|")
        for item in model.actionItems { line("| \(MarkdownText.inline(item.text)) | TODO | TODO | |") }
        line("| TODO | \(types) | TODO | |")
    }

    /// "SLO impact": this incident's charge to each service's error budget and what remains.
    static func sloSection(_ model: PostmortemModel, _ line: (String) -> Void) {
        line("## SLO impact")
        line("")
        if model.drill {
            line("A drill: not charged to any error budget.")
        } else if model.sloImpact.isEmpty {
            line("No service objective (`slo.services`) matches this incident's alerts: no error budget was charged.")
        } else {
            line("| Service | Objective | Budget (window) | Charged for this incident | Share of the budget | Remaining now |")
            line("|---|---|---|---|---|---|")
            for s in model.sloImpact {
                let remaining = s.remaining.nanoseconds < 0 ? "overspent by \(span(TimeSpan(nanoseconds: -s.remaining.nanoseconds)))"
                    : "\(span(s.remaining)) (\(percent(100 * s.remainingRatio)))"
                line("| \(MarkdownText.inline(s.service)) | \(percent(s.objective)) | \(span(s.allowed)) (\(s.window.humanReadable)) | "
                     + "\(span(s.charged)) | \(percent(s.shareOfBudget)) | \(remaining) |")
            }
            line("")
            line("Impact runs from the first alert to mitigation (or resolution); time already charged to an earlier overlapping incident of the service is not charged again.")
        }
        line("")
    }

    /// `99.9%`, `12.35%`: two decimals, four between 99 and 100 (where the nines are: 99.999% and
    /// 99.9996% must not both read 100%), trailing zeros dropped.
    public static func percent(_ value: Double) -> String {
        let digits = value > 99 && value < 100 ? 4 : 2
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        // Saturating: a share of a budget of a few nanoseconds can pass Int64 (and trap).
        let scaled = Saturating.int64((value * Double(scale)).rounded())
        var text = String(Saturating.magnitude(scaled) / scale)
        var fraction = String(Saturating.magnitude(scaled) % scale)
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        if !fraction.isEmpty { text += "." + fraction }
        return (scaled < 0 ? "-" : "") + text + "%"
    }

    /// A drill's draft: a game-day report (hypothesis and steady state, what was injected, what
    /// was observed, what broke, how long detection and mitigation took, action items).
    public static func renderGameDay(_ model: PostmortemModel) -> String {
        var out = ""
        func line(_ text: String = "") { out += text; out += "\n" }
        let t = MarkdownText.inline
        header(model, heading: "Game day", kind: "Drill", severity: "Severity rehearsed", people: "Participants", line)
        line("## Hypothesis and steady state")
        line()
        line("> TODO: what did we expect the system and the team to do? What does normal look like (the SLIs and their values)?")
        line()
        line("## What was injected")
        line()
        if let runbook = model.runbook { line("- Scenario rehearsed: \(t(runbook.title)), runbook `\(runbook.id)`") }
        if model.alerts.isEmpty {
            line("- No alert fired: the drill was declared by hand.")
        } else {
            for alert in model.alerts {
                line("- Alert \(t(alert.alertname)) fired \(time(alert.startsAt)), ended \(alert.endsAt.map(time) ?? "never"): "
                     + alert.labels.map { t("\($0.name)=\($0.value)") }.joined(separator: ", "))
            }
        }
        line()
        line("> TODO: the fault injected: what, where, for how long, and how its blast radius was limited.")
        line()
        line("## What was observed")
        line()
        timelineTable(model, line)
        line()
        line("## What broke")
        line()
        line("> TODO: what did not work as expected: alerts, dashboards, runbook steps, access, tools, hand-offs?")
        line()
        let m = model.metrics
        line("## Detection and mitigation")
        line()
        line("| Metric | Value |")
        line("|---|---|")
        responseTimes(m, line)
        line("| Time without a commander | \(span(m.timeWithoutCommander)) |")
        line()
        line("> TODO: were these within what the runbook and the SLOs need? What would have made them shorter?")
        line()
        sloSection(model, { line($0) })
        line("## Action items")
        line()
        actionItems(model, types: "runbook / alert / tooling / training", line)
        return out
    }

    static let guidedSections: [(String, String)] = [
        ("Root cause", "what conditions made this failure possible? Ask why until the answer is a process or design, not a person."),
        ("Trigger", "what change or event set it off (deploy, config, traffic, dependency, expiry)?"),
        ("Resolution", "what stopped the impact, and what made the fix permanent?"),
        ("What went well", "what helped: alerts, runbooks, tools, people, communication?"),
        ("What went wrong", "what slowed detection, diagnosis or recovery?"),
        ("Where we got lucky", "what could have made this much worse, and did not by chance?"),
    ]

    static func list(_ values: [String]) -> String {
        values.isEmpty ? "none recorded" : values.map(MarkdownText.inline).joined(separator: ", ")
    }

    static func opt(_ value: TimeSpan?, never: String = "n/a") -> String { value.map(span) ?? never }

    public static func span(_ value: TimeSpan) -> String { value.nanoseconds < 0 ? "0s" : value.humanReadable }

    /// `2026-11-25 15:04:05`
    public static func time(_ t: Timestamp) -> String {
        let text = t.rfc3339
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(8))
    }

    static func clock(_ t: Timestamp) -> String { String(t.rfc3339.dropFirst(11).prefix(8)) }
}
