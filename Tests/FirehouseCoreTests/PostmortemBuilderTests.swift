@testable import FirehouseCore
import Testing

/// Every computed metric, on hand-made incidents.
struct PostmortemBuilderTests {
    static let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
    static func at(_ minutes: Int64) -> Timestamp { t0 + .minutes(minutes) }

    static func detail(status: IncidentStatus = .closed, opened: Int64 = 2, ack: Int64? = nil, mitigated: Int64? = nil,
                       resolved: Int64? = 60, closed: Int64? = 70, reopens: Int = 0,
                       alerts: [AlertRecord] = [], timeline: [TimelineEntry] = [], roles: [RoleAssignment] = []) -> IncidentDetail {
        let head = IncidentHead(
            id: 3, correlationKey: "k", receiver: "r", title: "Checkout down", labels: [:], severity: .sev2,
            milestones: .init(status: status, acknowledgedAt: ack.map(at), mitigatedAt: mitigated.map(at),
                              resolvedAt: resolved.map(at), closedAt: closed.map(at)),
            openedAt: at(opened), reopenCount: reopens)
        return IncidentDetail(summary: IncidentSummary(head: head, alertCount: alerts.count, firingAlertCount: 0),
                              alerts: alerts, timeline: timeline, roles: roles)
    }

    static func alert(_ pod: String, from: Int64, to: Int64?, name: String = "ServiceMemoryLeak") -> AlertRecord {
        AlertRecord(fingerprint: "fp-\(pod)", status: to == nil ? .firing : .resolved,
                    labels: ["alertname": name, "pod": pod, "service": "checkout", "namespace": "shop"],
                    annotations: [:], startsAt: at(from), endsAt: to.map(at), generatorURL: "", firstSeenAt: at(from), lastSeenAt: at(from))
    }

    static func role(_ user: String, _ role: String = "commander", from: Int64, to: Int64?) -> RoleAssignment {
        RoleAssignment(id: 1, role: role, user: ChatUser(id: user, name: user), from: at(from), to: to.map(at), assignedBy: "x")
    }

    @Test func durationsFromMilestones() {
        let m = PostmortemBuilder.build(Self.detail(ack: 5, mitigated: 30, alerts: [Self.alert("a", from: 0, to: 50)]),
                                        library: RunbookLibrary()).metrics
        #expect(m.timeToDetect == .minutes(2))
        #expect(m.timeToAcknowledge == .minutes(3))
        #expect(m.timeToMitigate == .minutes(28))
        #expect(m.timeToResolve == .minutes(58))
        #expect(m.timeToClose == .minutes(68))
    }

    @Test func missingAcknowledgementAndNeverMitigated() {
        let model = PostmortemBuilder.build(Self.detail(), library: RunbookLibrary())
        #expect(model.metrics.timeToAcknowledge == nil)
        #expect(model.metrics.timeToMitigate == nil)
        let text = PostmortemRenderer.render(model)
        #expect(text.contains("| Time to acknowledge | never acknowledged |"))
        #expect(text.contains("| Time to mitigate | never mitigated |"))
    }

    @Test func reopenedAndSeverityChangesAreCounted() {
        let timeline = [
            TimelineEntry(id: 1, at: Self.at(3), kind: "severity_changed", actor: "alertmanager", text: "", data: ["from": "SEV3", "to": "SEV2"]),
            TimelineEntry(id: 2, at: Self.at(9), kind: "severity_changed", actor: "alice", text: "", data: ["from": "SEV2", "to": "SEV1"]),
            TimelineEntry(id: 3, at: Self.at(10), kind: "incident_reopened", actor: "alertmanager", text: "", data: ["reopenCount": "1"]),
        ]
        let m = PostmortemBuilder.build(Self.detail(reopens: 2, timeline: timeline), library: RunbookLibrary()).metrics
        #expect(m.reopenCount == 2)
        #expect(m.severityChanges == 2)
    }

    struct CommanderCase: Sendable {
        var holdings: [Hold]
        var expectedMinutes: Int64
        struct Hold: Sendable { var from: Int64; var to: Int64? }
        init(_ holdings: [(Int64, Int64?)], _ expected: Int64) {
            self.holdings = holdings.map { Hold(from: $0.0, to: $0.1) }
            self.expectedMinutes = expected
        }
    }

    /// Commander holdings as (from, to) minutes and the expected minutes without one, over [2, 60].
    static let commanderCases: [CommanderCase] = [
        CommanderCase([], 58),
        CommanderCase([(2, nil)], 0),
        CommanderCase([(12, nil)], 10),
        CommanderCase([(12, 20), (20, nil)], 10),              // handover without a gap
        CommanderCase([(12, 20), (30, 40)], 10 + 10 + 20),    // gaps 2-12, 20-30, 40-60
        CommanderCase([(0, 100)], 0),                         // held beyond the window
        CommanderCase([(12, 30), (20, 40)], 10 + 20),         // overlapping records count once
    ]

    @Test(arguments: commanderCases)
    func timeWithoutCommander(_ c: CommanderCase) {
        let roles = c.holdings.map { Self.role("u", from: $0.from, to: $0.to) }
        let m = PostmortemBuilder.build(Self.detail(roles: roles), library: RunbookLibrary()).metrics
        #expect(m.timeWithoutCommander == .minutes(c.expectedMinutes))
    }

    /// A catalog whose lead role is not called `commander`: its gaps are what is measured.
    @Test func theConfiguredLeadRoleIsMeasured() {
        let catalog = RoleCatalog(roles: [.init(name: "lead", aliases: ["ic"]), .init(name: "commander")])
        #expect(catalog.lead == "lead")
        let roles = [Self.role("u", "lead", from: 12, to: nil), Self.role("v", "commander", from: 2, to: nil)]
        let m = PostmortemBuilder.build(Self.detail(roles: roles), library: RunbookLibrary(), leadRole: catalog.lead).metrics
        #expect(m.timeWithoutCommander == .minutes(10))
    }

    @Test func peakOfSimultaneouslyFiringAlerts() {
        let alerts = [
            Self.alert("a", from: 0, to: 10), Self.alert("b", from: 5, to: 20), Self.alert("c", from: 10, to: 30),
            Self.alert("d", from: 12, to: nil), Self.alert("e", from: 40, to: 41),
        ]
        // At 12: b, c, d firing (a ended at 10 as c started: touching, not overlapping).
        #expect(PostmortemBuilder.build(Self.detail(alerts: alerts), library: RunbookLibrary()).impact.peakFiringAlerts == 3)
    }

    @Test func impactStartsAtTheFirstAlertAndListsWhatWasAffected() {
        let alerts = [Self.alert("a", from: 0, to: 10), Self.alert("b", from: 1, to: 11, name: "KafkaBrokerDown")]
        let i = PostmortemBuilder.build(Self.detail(alerts: alerts), library: RunbookLibrary()).impact
        #expect(i.start == Self.at(0))
        #expect(i.detected == Self.at(2))
        #expect(i.duration == .minutes(60))
        #expect(i.services == ["checkout"] && i.namespaces == ["shop"])
        #expect(i.alertnames == ["ServiceMemoryLeak", "KafkaBrokerDown"])
    }

    @Test func declaredIncidentWithoutAlertsStartsWhenOpened() {
        let model = PostmortemBuilder.build(Self.detail(), library: RunbookLibrary())
        #expect(model.impact.start == Self.at(2))
        #expect(model.metrics.timeToDetect == .minutes(0))
        #expect(model.impact.peakFiringAlerts == 0)
    }

    @Test func actionItemsComeFromTodoAndActionNotes() {
        let timeline = [
            TimelineEntry(id: 1, at: Self.at(5), kind: "note", actor: "alice", text: "TODO: alert on pool usage", data: [:]),
            TimelineEntry(id: 2, at: Self.at(6), kind: "note", actor: "bob", text: "action: add a runbook step", data: [:]),
            TimelineEntry(id: 3, at: Self.at(7), kind: "note", actor: "bob", text: "it is the DNS", data: [:]),
            TimelineEntry(id: 4, at: Self.at(8), kind: "note", actor: "bob", text: "todo raise the limit", data: [:]),
        ]
        let items = PostmortemBuilder.build(Self.detail(timeline: timeline), library: RunbookLibrary()).actionItems
        #expect(items.map(\.text) == ["alert on pool usage", "add a runbook step", "raise the limit"])
        #expect(items.map(\.author) == ["alice", "bob", "bob"])
    }

    @Test func stormsAreGroupedInTheTimeline() {
        var alerts: [AlertRecord] = []
        var timeline: [TimelineEntry] = []
        for i in 0..<37 {
            alerts.append(Self.alert("checkout-\(i)", from: 0, to: nil))
            let alert = TimelineEvent.AlertReference(fingerprint: "fp-checkout-\(i)", startsAt: Self.at(0), alertname: "ServiceMemoryLeak")
            timeline.append(TimelineEntry(id: Int64(i), at: Self.at(Int64(i / 10)), actor: "alertmanager", text: "x",
                                          event: .alertFired(alert)))
        }
        timeline.append(TimelineEntry(id: 99, at: Self.at(9), kind: "note", actor: "alice", text: "looking", data: [:]))
        let rows = PostmortemBuilder.build(Self.detail(alerts: alerts, timeline: timeline), library: RunbookLibrary()).timeline
        #expect(rows.count == 2)
        #expect(rows[0].event == "ServiceMemoryLeak fired on 37 pods (checkout-0, checkout-1, checkout-2, … checkout-36)")
        #expect(rows[0].time == Self.at(0) && rows[0].until == Self.at(3))
    }

    @Test func hostileTextCannotBreakTheDocument() {
        let hostile = "x | y\n# Heading\n<script>alert(1)</script> [click](javascript:alert(1)) `code` *bold* _u_"
        var alert = Self.alert("p", from: 0, to: 5)
        alert.labels["alertname"] = hostile
        alert.labels["evil"] = "a|b`c"
        alert.annotations = ["summary": hostile]
        alert.generatorURL = "javascript:alert(1)"
        let timeline = [TimelineEntry(id: 1, at: Self.at(5), kind: "note", actor: "mallory | x", text: "TODO: " + hostile, data: [:])]
        var d = Self.detail(alerts: [alert], timeline: timeline, roles: [Self.role("eve|<b>", from: 3, to: nil)])
        d.summary.head.title = hostile
        let text = PostmortemRenderer.render(PostmortemBuilder.build(d, library: RunbookLibrary()))
        #expect(!text.contains("<script>"))
        // Brackets are escaped, so "\\[click\\](javascript:...)" is text, not a link.
        #expect(!text.contains("[click](") && !text.replacing("\\]", with: "").contains("](javascript"))
        #expect(!text.contains("<javascript"))
        #expect(!text.contains("\n# Heading"))
        // Every table row keeps its column count: unescaped pipes only as cell borders.
        for line in text.split(separator: "\n") where line.hasPrefix("| ") && !line.hasPrefix("| Time |") {
            var pipes = 0
            var previous: Character = " "
            for ch in line {
                if ch == "|" && previous != "\\" { pipes += 1 }
                previous = ch
            }
            #expect([3, 4, 5, 6].contains(pipes), "\(line)")
        }
        let headings = text.split(separator: "\n").filter { $0.hasPrefix("# ") }
        #expect(headings.count == 1)
    }
}
