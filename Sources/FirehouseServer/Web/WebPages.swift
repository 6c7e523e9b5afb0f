import FirehouseCore

/// The view models of the web view's pages, one type per page, built from domain values by pure
/// functions (so golden files pin the HTML). Templates see only these; every text in them is
/// escaped by Mustache except the fields named `html`, which `SafeMarkdown` or `WebCharts` made.
enum WebPages {
    // MARK: - Shared

    struct Layout {
        var title: String
        var body: String
        var user: String?
        var canLogout: Bool
        var csrf: String
        var nav: [Link]
        var assetVersion: String
        var poll: String?
        var pollVersion: String?
        var pollSeconds: Int
    }

    struct Link {
        var label: String
        var href: String
        var current: Bool = false
    }

    struct Severity {
        var name: String
        var level: Int
    }

    struct Fact {
        var name: String
        var value: String
        var detail: String?
    }

    struct Time {
        var iso: String
        var exact: String
        var relative: String

        init(_ t: Timestamp, now: Timestamp) {
            iso = t.rfc3339
            exact = WebFormat.exact(t)
            relative = WebFormat.relative(t, now: now)
        }
    }

    static func nav(current: String) -> [Link] {
        [Link(label: "Incidents", href: "/ui/incidents"), Link(label: "Runbooks", href: "/ui/runbooks"),
         Link(label: "Stats", href: "/ui/stats")].map { link in
            var link = link
            link.current = link.href == current
            return link
        }
    }

    // MARK: - Incident list

    struct ListPage {
        var heading: String
        var filters: [Filter]
        var rows: [Row]
        var next: String?

        struct Filter {
            var label: String
            var count: Int
            var href: String
            var current: Bool
        }

        struct Row {
            var ref: String
            var href: String
            var severity: Severity
            var status: String
            var title: String
            var service: String
            var commander: String
            var opened: Time
            var firing: Int
            var total: Int
            var reopens: Int
            var drill: Bool
        }
    }

    /// `counts`: how many incidents there are in each status, by status name; `filterName` the filter shown.
    static func list(_ page: IncidentPage, filterName: String, counts: [String: Int],
                     commanders: [Int64: String], now: Timestamp) -> ListPage {
        var filters: [ListPage.Filter] = []
        let open = IncidentStatus.allCases.filter(\.isActive).reduce(0) { $0 + (counts[$1.rawValue] ?? 0) }
        filters.append(.init(label: "open", count: open, href: "/ui/incidents?status=open", current: filterName == "open"))
        for status in IncidentStatus.allCases {
            filters.append(.init(label: status.rawValue, count: counts[status.rawValue] ?? 0,
                                 href: "/ui/incidents?status=\(status.rawValue)", current: filterName == status.rawValue))
        }
        filters.append(.init(label: "all", count: counts.values.reduce(0, +), href: "/ui/incidents?status=all", current: filterName == "all"))
        let rows = page.incidents.map { summary in
            let head = summary.head
            let service = head.labels["service"] ?? head.labels["alertname"] ?? ""
            return ListPage.Row(
                ref: IncidentReference.format(head.id), href: WebFormat.incidentPath(head.id),
                severity: Severity(name: head.severity.name, level: head.severity.rawValue), status: head.status.rawValue,
                title: head.title, service: service, commander: commanders[head.id] ?? "",
                opened: Time(head.openedAt, now: now), firing: summary.firingAlertCount, total: summary.alertCount,
                reopens: head.reopenCount, drill: head.drill)
        }
        return ListPage(heading: "Incidents: \(filterName)", filters: filters, rows: rows,
                        next: page.next.map { "/ui/incidents?status=\(WebFormat.query(filterName))&before=\($0)" })
    }

    // MARK: - One incident

    struct DetailPage {
        var id: Int64
        var ref: String
        var title: String
        var drill: Bool
        var severity: Severity
        var status: String
        var facts: [Fact]
        var currentRoles: [Role]
        var roleHistory: [Role]
        var alerts: [Alert]
        var runbook: Runbook?
        var otherRunbooks: [Link]
        var runbookLinks: [Link]
        var silences: [Silence]
        var timeline: [Entry]
        var postmortems: [Link]
        var notice: String?
        var error: String?
        var forms: Forms?

        struct Role {
            var role: String
            var user: String
            var from: Time
            var to: Time?
            var assignedBy: String
        }

        struct Alert {
            var status: String
            var alertname: String
            var labels: [String]
            var summary: String
            var startsAt: Time
            var endsAt: Time?
            var source: String?
            var silenceLink: String?
        }

        struct Runbook {
            var id: String
            var title: String
            var href: String
            var html: String
        }

        struct Silence {
            var id: String
            var matchers: String
            var endsAt: Time
            var createdBy: String
        }

        struct Entry {
            var at: Time
            var kind: String
            var actor: String
            var text: String
            var data: [String]
        }

        struct Forms {
            var action: String
            var silenceAction: String?
            var csrf: String
            var moves: [Move]
            var severities: [Option]
            var roles: [Option]
            var assigned: [Option]

            struct Move {
                var value: String
                var label: String
            }

            struct Option {
                var value: String
                var label: String
                var selected: Bool
            }
        }
    }

    static func incident(_ detail: IncidentDetail, library: RunbookLibrary, silences: [RecordedSilence], postmortems: Int,
                         roles: RoleCatalog, alertmanagerURL: String, now: Timestamp, csrf: String?, canSilence: Bool,
                         notice: String? = nil, error: String? = nil) -> DetailPage {
        let head = detail.summary.head
        let m = head.milestones
        var facts = [Fact(name: "Opened", value: WebFormat.exact(head.openedAt), detail: WebFormat.relative(head.openedAt, now: now))]
        func milestone(_ name: String, _ t: Timestamp?) {
            guard let t else { return }
            facts.append(Fact(name: name, value: WebFormat.exact(t), detail: "after " + WebFormat.span(t - head.openedAt)))
        }
        milestone("Acknowledged", m.acknowledgedAt)
        milestone("Mitigated", m.mitigatedAt)
        milestone("Resolved", m.resolvedAt)
        milestone("Closed", m.closedAt)
        facts.append(Fact(name: "Alerts", value: "\(detail.summary.firingAlertCount) firing of \(detail.summary.alertCount)"))
        facts.append(Fact(name: "Reopens", value: "\(head.reopenCount)"))
        facts.append(Fact(name: "Receiver", value: head.receiver))
        let roleRows = detail.roles.map { r in
            DetailPage.Role(role: r.role, user: r.user.name, from: Time(r.from, now: now), to: r.to.map { Time($0, now: now) },
                              assignedBy: r.assignedBy)
        }
        let alerts = detail.alerts.map { a in
            DetailPage.Alert(
                status: a.status.rawValue, alertname: a.labels["alertname"] ?? "",
                labels: a.labels.sorted { $0.key < $1.key }.filter { $0.key != "alertname" }.map { "\($0.key)=\($0.value)" },
                summary: a.annotations["summary"] ?? a.annotations["description"] ?? "",
                startsAt: Time(a.startsAt, now: now), endsAt: a.endsAt.map { Time($0, now: now) },
                source: WebFormat.externalLink(a.generatorURL),
                silenceLink: alertmanagerURL.isEmpty ? nil : silenceLink(alertmanagerURL, labels: a.labels))
        }
        let attached = detail.runbooks.compactMap { library[$0] }
        let primary = library.primary(of: detail.runbooks) ?? attached.first
        let runbook = primary.map { r in
            DetailPage.Runbook(id: r.id, title: r.title, href: "/ui/runbooks/\(WebFormat.query(r.id))", html: SafeMarkdown.html(r.body))
        }
        let others = attached.filter { $0.id != primary?.id }.map { Link(label: $0.title, href: "/ui/runbooks/\(WebFormat.query($0.id))") }
        let runbookLinks = detail.runbookLinks.compactMap { url in WebFormat.externalLink(url).map { Link(label: url, href: $0) } }
        let timeline = detail.timeline.map { e in
            DetailPage.Entry(at: Time(e.at, now: now), kind: e.kind, actor: e.actor, text: e.text,
                               data: e.data.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" })
        }
        let versions = postmortems > 0 ? (1...postmortems).reversed().map { v in
            Link(label: "version \(v)", href: "/ui/incidents/\(head.id)/postmortem?version=\(v)")
        } : []
        var forms: DetailPage.Forms?
        if let csrf {
            let current = Set(detail.roles.filter(\.isCurrent).map(\.role))
            forms = DetailPage.Forms(
                action: "/ui/incidents/\(head.id)/actions",
                silenceAction: canSilence ? "/ui/incidents/\(head.id)/silence" : nil, csrf: csrf,
                moves: IncidentLifecycle.allowedMoves(from: head.status).map { .init(value: $0.rawValue, label: moveLabel($0)) },
                severities: FirehouseCore.Severity.allCases.map { .init(value: $0.name, label: $0.name, selected: $0 == head.severity) },
                roles: roles.names.map { .init(value: $0, label: $0, selected: false) },
                assigned: roles.names.filter(current.contains).map { .init(value: $0, label: $0, selected: false) })
        }
        return DetailPage(
            id: head.id, ref: IncidentReference.format(head.id), title: head.title, drill: head.drill,
            severity: Severity(name: head.severity.name, level: head.severity.rawValue), status: head.status.rawValue, facts: facts,
            currentRoles: roleRows.filter { $0.to == nil }, roleHistory: roleRows, alerts: alerts, runbook: runbook,
            otherRunbooks: others, runbookLinks: runbookLinks,
            silences: silences.map { .init(id: $0.silenceID, matchers: $0.matchers.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", "),
                                           endsAt: Time($0.endsAt, now: now), createdBy: $0.createdBy) },
            timeline: timeline, postmortems: versions, notice: notice, error: error, forms: forms)
    }

    static func moveLabel(_ move: IncidentLifecycle.Move) -> String {
        switch move {
        case .acknowledge: "Acknowledge"
        case .investigate: "Investigating"
        case .mitigate: "Mitigated"
        case .resolve: "Resolve"
        case .close: "Close"
        case .reopen: "Reopen"
        }
    }

    /// Alertmanager's new-silence page, pre-filled with the alert's labels.
    static func silenceLink(_ base: String, labels: LabelSet) -> String? {
        guard let base = WebFormat.externalLink(base) else { return nil }
        let filter = "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.promQuoted)" }.joined(separator: ",") + "}"
        return base + "/#/silences/new?filter=" + WebFormat.query(filter)
    }

    // MARK: - Post-mortem

    struct PostmortemPage {
        var id: Int64
        var ref: String
        var title: String
        var version: Int
        var generated: Time
        var versions: [Link]
        var incidentHref: String
        var html: String
    }

    static func postmortem(_ stored: StoredPostmortem, head: IncidentHead, latest: Int, now: Timestamp) -> PostmortemPage {
        PostmortemPage(
            id: head.id, ref: IncidentReference.format(head.id), title: head.title, version: stored.version,
            generated: Time(stored.generatedAt, now: now),
            versions: (1...max(latest, 1)).reversed().map { v in
                Link(label: "version \(v)", href: "/ui/incidents/\(head.id)/postmortem?version=\(v)", current: v == stored.version)
            },
            incidentHref: WebFormat.incidentPath(head.id), html: SafeMarkdown.html(stored.markdown))
    }

    // MARK: - Runbooks

    struct RunbooksPage {
        var rows: [Row]

        struct Row {
            var id: String
            var href: String
            var title: String
            var matchers: String
            var severity: String
            var owner: String
        }
    }

    static func runbooks(_ library: RunbookLibrary) -> RunbooksPage {
        RunbooksPage(rows: library.runbooks.map { r in
            .init(id: r.id, href: "/ui/runbooks/\(WebFormat.query(r.id))", title: r.title,
                  matchers: r.matchers.map(\.description).joined(separator: ", "), severity: r.severity ?? "", owner: r.owner ?? "")
        })
    }

    struct RunbookPage {
        var id: String
        var title: String
        var matchers: String
        var severity: String
        var owner: String
        var html: String
    }

    static func runbook(_ r: FirehouseCore.Runbook) -> RunbookPage {
        RunbookPage(id: r.id, title: r.title, matchers: r.matchers.map(\.description).joined(separator: ", "),
                    severity: r.severity ?? "", owner: r.owner ?? "", html: SafeMarkdown.html(r.body))
    }

    // MARK: - Stats

    struct StatsPage {
        var since: String
        var until: String
        var service: String
        var total: Int
        var severities: [Count]
        var statuses: [Count]
        var services: [ServiceRow]
        var budgets: [Budget]
        var times: [Distribution]
        var noisy: [Count]
        var perDayChart: String
        var resolveChart: String

        struct Count {
            var name: String
            var count: Int
            var detail: String?
        }

        struct Distribution {
            var name: String
            var count: Int
            var mean: String
            var p50: String
            var p90: String
        }

        /// A service's incidents and reliability over the window.
        struct ServiceRow {
            var name: String
            var count: Int
            var downtime: String
            var mtbf: String
            var mttr: String
            var availability: String
        }

        /// One service objective's error budget now.
        struct Budget {
            var service: String
            var objective: String
            var used: String
            var remaining: String
            var overspent: Bool
            var burnRate: String
            var availability: String
        }
    }

    static func stats(_ stats: IncidentStats, query: StatsQuery, budgets: [ErrorBudget.Report] = []) -> StatsPage {
        func dist(_ name: String, _ d: IncidentStats.Distribution) -> StatsPage.Distribution {
            .init(name: name, count: d.count, mean: d.mean.map(WebFormat.span) ?? "n/a", p50: d.p50.map(WebFormat.span) ?? "n/a",
                  p90: d.p90.map(WebFormat.span) ?? "n/a")
        }
        let bounds = ["≤ 5m", "≤ 15m", "≤ 1h", "≤ 4h", "≤ 1d", "> 1d"]
        return StatsPage(
            since: String(query.since.rfc3339.prefix(10)), until: String(query.until.rfc3339.prefix(10)), service: query.service ?? "",
            total: stats.total,
            severities: FirehouseCore.Severity.allCases.map { .init(name: $0.name, count: stats.bySeverity[$0.name] ?? 0) },
            statuses: IncidentStatus.allCases.map { .init(name: $0.rawValue, count: stats.byStatus[$0.rawValue] ?? 0) },
            services: stats.byService.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { name, count in
                let r = stats.reliability[name]
                return .init(name: name, count: count, downtime: r.map { WebFormat.span($0.downtime) } ?? "n/a",
                             mtbf: r.map { WebFormat.span($0.mtbf) } ?? "n/a", mttr: r.map { WebFormat.span($0.mttr) } ?? "n/a",
                             availability: r.map { PostmortemRenderer.percent($0.availability) } ?? "n/a")
            },
            budgets: budgets.map { b in
                .init(service: b.objective.service, objective: "\(PostmortemRenderer.percent(b.objective.objective)) / \(b.objective.window.humanReadable)",
                      used: "\(WebFormat.span(b.consumed)) of \(WebFormat.span(b.allowed))",
                      remaining: b.remaining.nanoseconds < 0 ? "overspent" : PostmortemRenderer.percent(100 * b.remainingRatio),
                      overspent: b.remaining.nanoseconds < 0, burnRate: ChatReplies.decimal(b.burnRate) + "×",
                      availability: PostmortemRenderer.percent(b.availability))
            },
            times: [dist("Time to acknowledge", stats.timeToAcknowledge), dist("Time to mitigate", stats.timeToMitigate),
                    dist("Time to resolve", stats.timeToResolve)],
            noisy: stats.noisiestAlertnames.map { .init(name: $0.alertname, count: $0.incidents, detail: "\($0.flaps) flaps") },
            perDayChart: WebCharts.bars(days(stats.perDay, since: query.since, until: query.until), label: "Incidents opened per day"),
            resolveChart: WebCharts.bars(Array(zip(bounds, stats.resolveHistogram.count == bounds.count ? stats.resolveHistogram
                                                                                                        : Array(repeating: 0, count: bounds.count))),
                                         label: "Resolved incidents by time to resolve"))
    }

    /// Every UTC day of the window (at most the last 90), with zeros where nothing opened.
    static func days(_ counts: [IncidentStats.DayCount], since: Timestamp, until: Timestamp) -> [(String, Int)] {
        let byDay = Dictionary(counts.map { ($0.day, $0.incidents) }, uniquingKeysWith: +)
        let day = TimeSpan.hours(24)
        var start = max(since, until - TimeSpan.hours(24 * 90))
        var out: [(String, Int)] = []
        while start < until {
            let key = String(start.rfc3339.prefix(10))
            if out.last?.0 != key { out.append((key, byDay[key] ?? 0)) }
            start = start + day
        }
        let lastKey = String((until - TimeSpan(nanoseconds: 1)).rfc3339.prefix(10))
        if out.last?.0 != lastKey, since < until { out.append((lastKey, byDay[lastKey] ?? 0)) }
        return out
    }

    // MARK: - Sign-in and errors

    struct LoginPage {
        var next: String
        var csrf: String
        var error: String?
    }

    struct ErrorPage {
        var status: Int
        var message: String
        var signIn: String?
    }
}
