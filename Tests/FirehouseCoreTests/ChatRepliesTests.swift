@testable import FirehouseCore
import Testing

/// Chat replies checked against golden files.
struct ChatRepliesTests {
    let replies = ChatReplies(links: ExternalURL("https://firehouse.example.com"))
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!

    func head(_ id: Int64, _ title: String, _ status: IncidentStatus, _ severity: Severity) -> IncidentHead {
        IncidentHead(id: id, correlationKey: "k\(id)", receiver: "firehouse", title: title, labels: [:],
                     severity: severity, milestones: .init(status: status), openedAt: t0)
    }

    @Test func help() throws {
        try Golden.check(replies.help(ChatCommandParser.table), "chat-help.md")
        try Golden.check(replies.help(ChatCommandParser().spec(named: "ack")!), "chat-help-ack.md")
    }

    @Test func errors() throws {
        let parser = ChatCommandParser()
        var text = ""
        for input in ["dance", "assign 3 chef @bob", "ack", "note 1 \"open"] {
            do { _ = try parser.parse(input) } catch { text += "> \(input)\n" + replies.error(error, parser: parser) + "\n\n" }
        }
        try Golden.check(text, "chat-errors.md")
    }

    @Test func listAndShowEscapeHostileText() throws {
        var hostile = head(2, "<!channel> [click](https://evil.example) @here", .acknowledged, .sev1)
        hostile.milestones.acknowledgedAt = t0 + .minutes(3)
        let page = IncidentPage(incidents: [
            IncidentSummary(head: hostile, alertCount: 3, firingAlertCount: 2),
            IncidentSummary(head: head(1, "Kafka broker down", .resolved, .sev2), alertCount: 1, firingAlertCount: 0),
        ], next: nil)
        try Golden.check(replies.list(page, filter: .all), "chat-list.md")
        let alerts = [
            AlertRecord(fingerprint: "a1", status: .firing, labels: ["alertname": "ServiceMemoryLeak"],
                        annotations: ["summary": "<@U123> memory grows"], startsAt: t0, endsAt: nil, generatorURL: "",
                        firstSeenAt: t0, lastSeenAt: t0),
            AlertRecord(fingerprint: "a2", status: .resolved, labels: ["alertname": "ServiceMemoryLeak"],
                        annotations: [:], startsAt: t0, endsAt: t0 + .minutes(9), generatorURL: "",
                        firstSeenAt: t0, lastSeenAt: t0),
        ]
        let roles = [
            RoleAssignment(id: 1, role: "commander", user: ChatUser(id: "U1", name: "alice"), from: t0 + .minutes(1),
                           to: t0 + .minutes(20), assignedBy: "alice"),
            RoleAssignment(id: 2, role: "commander", user: ChatUser(id: "U2", name: "bob"), from: t0 + .minutes(20), assignedBy: "alice"),
            RoleAssignment(id: 3, role: "scribe", user: ChatUser(id: "U3", name: "carol"), from: t0 + .minutes(2), assignedBy: "bob"),
        ]
        let detail = IncidentDetail(summary: page.incidents[0], alerts: alerts, timeline: [], roles: roles)
        try Golden.check(replies.show(detail, roles: roles), "chat-show.md")
        try Golden.check(replies.roles(2, roles: roles, catalog: .default), "chat-roles.md")
    }

    @Test func timelineAndChanges() throws {
        let entries = [
            TimelineEntry(id: 1, at: t0, kind: "incident_opened", actor: "alertmanager", text: "incident opened: Checkout down", data: [:]),
            TimelineEntry(id: 2, at: t0 + .minutes(2), kind: "status_changed", actor: "alice", text: "status triggered → acknowledged", data: [:]),
            TimelineEntry(id: 3, at: t0 + .minutes(5), kind: "note", actor: "bob", text: "<!here> it is *DNS*", data: [:]),
        ]
        try Golden.check(replies.timeline(7, entries: entries), "chat-timeline.md")
        let drafts = [TimelineDraft(at: t0, actor: "alice", text: "bob is now commander",
                                    event: .roleAssigned(role: "commander", user: ChatUser(id: "U2", name: "bob"), previous: nil))]
        try Golden.check(replies.changed(7, timeline: drafts) + "\n" + replies.declared(head(8, "Payments 5xx", .triggered, .sev2)),
                         "chat-changes.md")
        #expect(replies.list(IncidentPage(incidents: [], next: nil), filter: .open) == "No open incidents.")
    }

    /// Mattermost gets its own Markdown: `**bold**`, Markdown punctuation escaped, links kept whole.
    @Test func mattermostReplies() throws {
        let mm = ChatReplies(links: ExternalURL("https://firehouse.example.com"), dialect: .mattermost)
        let page = IncidentPage(incidents: [
            IncidentSummary(head: head(2, "Checkout *errors* [click](https://evil.example) @channel", .acknowledged, .sev1),
                            alertCount: 3, firingAlertCount: 2),
        ], next: nil)
        let entries = [TimelineEntry(id: 3, at: t0, kind: "note", actor: "bob_b", text: "it is *DNS* @here", data: [:])]
        let runbook = Runbook(id: "kafka-broker-down", title: "Kafka *broker* down", matchers: [], path: "x.md",
                              body: "## Mitigation\n\n1. Restart the broker.\n")
        let parser = ChatCommandParser()
        var text = mm.list(page, filter: .all) + "\n\n" + mm.timeline(7, entries: entries) + "\n\n"
        text += mm.runbook(2, runbook: runbook, links: ["https://runbooks.example.com/a_b(c)"]) + "\n\n"
        do { _ = try parser.parse("d`an*ce") } catch { text += mm.error(error, parser: parser).split(separator: "\n").first! + "\n" }
        try Golden.check(text, "chat-mattermost.md")
    }
}
