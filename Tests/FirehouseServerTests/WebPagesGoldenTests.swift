import FirehouseCore
@testable import FirehouseServer
import GoldenSupport
import Testing

/// Every page's HTML, from fixed domain values through the page's view model and its template,
/// compared with a golden file (UPDATE_GOLDEN=1 rewrites them; review the diff).
struct WebPagesGoldenTests {
    static let golden = GoldenFiles()
    static let now = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
    static let templates = try! WebTemplates()

    static func at(_ minutes: Int64) -> Timestamp { Timestamp(rfc3339: "2026-11-25T13:00:00Z")! + .minutes(minutes) }

    static func layout(_ title: String, nav: String, write: Bool = true, poll: String? = nil) -> WebPages.Layout {
        WebPages.Layout(title: title, body: "", user: write ? "alice" : "viewer", canLogout: true, csrf: String(repeating: "c", count: 64),
                        nav: WebPages.nav(current: nav), assetVersion: "test", poll: poll, pollVersion: poll == nil ? nil : "v1",
                        pollSeconds: 10)
    }

    static let head = IncidentHead(
        id: 7, correlationKey: "k", receiver: "incident-bot", title: "Kafka broker kafka-2 is down <b>",
        labels: ["alertname": "KafkaBrokerDown", "service": "kafka"], severity: .sev1,
        milestones: .init(status: .acknowledged, acknowledgedAt: at(4)), openedAt: at(0), reopenCount: 1)

    static let runbook = Runbook(
        id: "kafka-broker-down", title: "Kafka broker down", matchers: [try! LabelMatcher(parsing: #"alertname="KafkaBrokerDown""#)],
        severity: "critical", owner: "platform", path: "kafka/broker-down.md",
        body: "## Symptoms\n\n- Broker gone: `kafka_brokers < 3`\n\n## Mitigation\n\n1. Restart it\n2. [Dashboard](https://grafana.example/d/kafka)\n")

    static var detail: IncidentDetail {
        let alerts = [
            AlertRecord(fingerprint: "a1", status: .firing, labels: ["alertname": "KafkaBrokerDown", "instance": "kafka-2:9308", "service": "kafka"],
                        annotations: ["summary": "Kafka broker kafka-2 is down", "runbook_url": "https://runbooks.example.com/kafka"],
                        startsAt: at(-2), endsAt: nil, generatorURL: "http://prometheus:9090/graph?g0.expr=up", firstSeenAt: at(0), lastSeenAt: at(30)),
            AlertRecord(fingerprint: "a2", status: .resolved, labels: ["alertname": "KafkaBrokerDown", "instance": "x\" onmouseover=\"alert(1)"],
                        annotations: ["summary": "<script>alert(2)</script>"], startsAt: at(-1), endsAt: at(20),
                        generatorURL: "javascript:alert(3)", firstSeenAt: at(0), lastSeenAt: at(20)),
        ]
        let timeline = [
            TimelineEntry(id: 1, at: at(0), kind: "incident_opened", actor: "alertmanager", text: "incident opened", data: ["severity": "SEV1"]),
            TimelineEntry(id: 2, at: at(4), kind: "status_changed", actor: "alice", text: "status triggered → acknowledged", data: [:]),
            TimelineEntry(id: 3, at: at(6), kind: "note", actor: "bob", text: "<img src=x onerror=alert(4)> looking", data: [:]),
        ]
        let roles = [
            RoleAssignment(id: 1, role: "commander", user: ChatUser(id: "U1", name: "alice"), from: at(4), to: at(10), assignedBy: "alice"),
            RoleAssignment(id: 2, role: "commander", user: ChatUser(id: "U2", name: "bob"), from: at(10), assignedBy: "alice"),
        ]
        return IncidentDetail(summary: IncidentSummary(head: head, alertCount: 2, firingAlertCount: 1), alerts: alerts, timeline: timeline,
                              roles: roles, runbooks: ["kafka-broker-down"])
    }

    @Test func incidentList() throws {
        var other = Self.head
        other.id = 6
        other.title = "MySQL slow queries"
        other.severity = .sev3
        other.milestones = .init(status: .triggered)
        other.openedAt = Self.at(-600)
        other.labels = ["alertname": "MySQLSlowQueries"]
        let page = IncidentPage(incidents: [IncidentSummary(head: Self.head, alertCount: 2, firingAlertCount: 1),
                                            IncidentSummary(head: other, alertCount: 3, firingAlertCount: 3)], next: 6)
        let model = WebPages.list(page, filterName: "open", counts: ["triggered": 1, "acknowledged": 1, "closed": 4],
                                  commanders: [7: "bob"], now: Self.now)
        try Self.golden.check(Self.templates.render("incidents", model, layout: Self.layout(model.heading, nav: "/ui/incidents", poll: "/ui/changes?status=open")),
                              "web-incidents.html")
    }

    @Test(arguments: [true, false]) func incident(_ canWrite: Bool) throws {
        let silence = RecordedSilence(silenceID: "s-1", matchers: ["alertname": "KafkaBrokerDown"], endsAt: Self.at(180), createdBy: "alice")
        let model = WebPages.incident(Self.detail, library: RunbookLibrary([Self.runbook]), silences: [silence], postmortems: 0,
                                      roles: .default, alertmanagerURL: "http://am:9093", now: Self.now,
                                      csrf: canWrite ? String(repeating: "c", count: 64) : nil, canSilence: true,
                                      error: canWrite ? "cannot close INC-7: it is acknowledged (possible: investigate, mitigate, resolve)." : nil)
        let html = try Self.templates.render("incident", model, layout: Self.layout("\(model.ref): \(model.title)", nav: "/ui/incidents", write: canWrite,
                                                                                poll: "/ui/changes?incident=7"))
        try Self.golden.check(html, canWrite ? "web-incident-writer.html" : "web-incident-reader.html")
    }

    @Test func postmortem() throws {
        let stored = StoredPostmortem(version: 2, generatedAt: Self.at(120), markdown: """
            # Post-mortem: INC-7 — Kafka broker kafka-2 is down

            | | |
            |---|---|
            | Incident | INC-7 |

            ## Summary

            A note with &lt;script&gt; and [a link](javascript:alert(1)) and [a good one](https://example.com).
            """)
        let model = WebPages.postmortem(stored, head: Self.head, latest: 2, now: Self.now)
        try Self.golden.check(Self.templates.render("postmortem", model, layout: Self.layout("Post-mortem INC-7", nav: "/ui/incidents")),
                              "web-postmortem.html")
    }

    @Test func runbooks() throws {
        let library = RunbookLibrary([Self.runbook])
        try Self.golden.check(Self.templates.render("runbooks", WebPages.runbooks(library), layout: Self.layout("Runbooks", nav: "/ui/runbooks")),
                              "web-runbooks.html")
        let one = WebPages.runbook(Self.runbook)
        try Self.golden.check(Self.templates.render("runbook", one, layout: Self.layout(one.title, nav: "/ui/runbooks")), "web-runbook.html")
    }

    @Test func stats() throws {
        let records = [
            StatsRecord(id: 1, severity: .sev1, status: .closed, openedAt: Self.at(-1440), acknowledgedAt: Self.at(-1438),
                        resolvedAt: Self.at(-1400), services: ["kafka"], alertnames: ["KafkaBrokerDown"]),
            StatsRecord(id: 2, severity: .sev3, status: .triggered, openedAt: Self.at(0), services: ["kafka", "mysql"],
                        alertnames: ["MySQLSlowQueries"]),
        ]
        let query = StatsQuery(since: Timestamp(rfc3339: "2026-11-20T00:00:00Z")!, until: Timestamp(rfc3339: "2026-11-26T00:00:00Z")!)
        let budget = ErrorBudget.report(ServiceObjective(service: "kafka", objective: 99.9, window: .seconds(30 * 86_400)),
                                        records: [ImpactRecord(id: 1, openedAt: Self.at(-1440), resolvedAt: Self.at(-1400),
                                                               labelSets: [["service": "kafka"]])],
                                        end: .mitigated, now: Self.at(0))
        let model = WebPages.stats(IncidentStats.compute(records, window: Interval(start: query.since, end: Self.at(0))), query: query,
                                   budgets: [budget])
        try Self.golden.check(Self.templates.render("stats", model, layout: Self.layout("Stats", nav: "/ui/stats")), "web-stats.html")
    }

    @Test func loginAndError() throws {
        let login = WebPages.LoginPage(next: "/ui/incidents/7", csrf: String(repeating: "c", count: 64), error: "That token is not known here.")
        var layout = Self.layout("Sign in", nav: "")
        layout.user = nil
        try Self.golden.check(Self.templates.render("login", login, layout: layout), "web-login.html")
        let error = WebPages.ErrorPage(status: 404, message: "incident 99 not found", signIn: nil)
        try Self.golden.check(Self.templates.render("error", error, layout: Self.layout("404 Not Found", nav: "")), "web-error.html")
    }

    /// The day axis of the stats chart has every day of the window, zeros included.
    @Test func statsDaysFillTheWindow() {
        let days = WebPages.days([.init(day: "2026-11-21", incidents: 2)], since: Timestamp(rfc3339: "2026-11-20T00:00:00Z")!,
                                 until: Timestamp(rfc3339: "2026-11-23T00:00:00Z")!)
        #expect(days.map { $0.0 } == ["2026-11-20", "2026-11-21", "2026-11-22"])
        #expect(days.map { $0.1 } == [0, 2, 0])
    }
}
