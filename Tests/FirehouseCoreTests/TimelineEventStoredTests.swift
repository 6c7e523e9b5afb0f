@testable import FirehouseCore
import Testing

/// The stored form of timeline events is the database's and the API's: every case maps to exactly
/// the `kind` and `data` earlier versions wrote, and every stored row reads back unchanged.
struct TimelineEventStoredTests {
    struct Case: Sendable, CustomStringConvertible {
        var event: TimelineEvent
        var actorID: String?
        var kind: String
        var data: [String: String]
        var description: String { kind }
    }

    static let t = Timestamp(rfc3339: "2026-11-25T15:00:00.123456789Z")!
    static let alert = TimelineEvent.AlertReference(fingerprint: "abc", startsAt: t, alertname: "KafkaBrokerDown")
    static let bob = ChatUser(id: "U2", name: "bob")

    /// As written by the releases before typed events (see the golden API responses).
    static let cases: [Case] = [
        Case(event: .incidentOpened(severity: .sev1, source: .alerts(receiver: "team", groupKey: "{}:{a=\"b\"}")), kind: "incident_opened",
             data: ["receiver": "team", "groupKey": "{}:{a=\"b\"}", "severity": "SEV1"]),
        Case(event: .incidentOpened(severity: .sev2, source: .declared), actorID: "api:ci", kind: "incident_opened",
             data: ["severity": "SEV2", "actorID": "api:ci"]),
        Case(event: .alertFired(alert), kind: "alert_fired",
             data: ["fingerprint": "abc", "startsAt": "2026-11-25T15:00:00.123456789Z", "alertname": "KafkaBrokerDown"]),
        Case(event: .alertFired(.init(fingerprint: "abc", startsAt: t, alertname: nil)), kind: "alert_fired",
             data: ["fingerprint": "abc", "startsAt": "2026-11-25T15:00:00.123456789Z"]),
        Case(event: .alertResolved(alert, endsAt: t + .seconds(60)), kind: "alert_resolved",
             data: ["fingerprint": "abc", "startsAt": "2026-11-25T15:00:00.123456789Z", "alertname": "KafkaBrokerDown",
                    "endsAt": "2026-11-25T15:01:00.123456789Z"]),
        Case(event: .incidentReopened(reopenCount: 2), kind: "incident_reopened", data: ["reopenCount": "2"]),
        Case(event: .incidentResolved, kind: "incident_resolved", data: [:]),
        Case(event: .severityChanged(from: .sev3, to: .sev1), kind: "severity_changed", data: ["from": "SEV3", "to": "SEV1"]),
        Case(event: .notificationTruncated(truncatedAlerts: 7), kind: "notification_truncated", data: ["truncatedAlerts": "7"]),
        Case(event: .statusChanged(from: .mitigated, to: .resolved, summary: "rolled back"), actorID: "U1", kind: "status_changed",
             data: ["from": "mitigated", "to": "resolved", "summary": "rolled back", "actorID": "U1"]),
        Case(event: .roleAssigned(role: "commander", user: bob, previous: "alice"), actorID: "U1", kind: "role_assigned",
             data: ["role": "commander", "user": "bob", "userID": "U2", "previous": "alice", "actorID": "U1"]),
        Case(event: .roleUnassigned(role: "scribe", user: bob), actorID: "U1", kind: "role_unassigned",
             data: ["role": "scribe", "user": "bob", "userID": "U2", "actorID": "U1"]),
        Case(event: .note, actorID: "U1", kind: "note", data: ["actorID": "U1"]),
        Case(event: .titleChanged(from: "a", to: "b"), actorID: "U1", kind: "title_changed", data: ["from": "a", "to": "b", "actorID": "U1"]),
        Case(event: .runbookAttached(id: "kafka", title: "Kafka", path: "kafka.md"), kind: "runbook_attached",
             data: ["runbook": "kafka", "title": "Kafka", "path": "kafka.md"]),
        Case(event: .postmortemGenerated(version: 3), kind: "postmortem_generated", data: ["version": "3"]),
        Case(event: .escalated(escalation: 2, severity: .sev1, unacknowledgedFor: "45m"), kind: "escalated",
             data: ["escalation": "2", "severity": "SEV1", "unacknowledgedFor": "45m"]),
        Case(event: .silenced(silenceID: "s-1", matchers: "alertname=\"A\"", endsAt: t), actorID: "U1", kind: "silenced",
             data: ["silenceID": "s-1", "matchers": "alertname=\"A\"", "endsAt": "2026-11-25T15:00:00.123456789Z", "actorID": "U1"]),
        Case(event: .unsilenced(silenceIDs: ["s-1", "s-2"]), actorID: "U1", kind: "unsilenced", data: ["silenceIDs": "s-1,s-2", "actorID": "U1"]),
        Case(event: .notificationFailed(target: "chat", event: "opened", attempts: 8, delivery: 12), kind: "notification_failed",
             data: ["target": "chat", "event": "opened", "attempts": "8", "delivery": "12"]),
    ]

    @Test(arguments: cases) func encodesAsStoredAndReadsBack(_ c: Case) {
        let stored = c.event.stored(actorID: c.actorID)
        #expect(stored.kind == c.kind)
        #expect(stored.data == c.data)
        let read = TimelineEvent.decode(kind: c.kind, data: c.data)
        #expect(read.event == c.event)
        #expect(read.actorID == c.actorID)
    }

    @Test func everyKindIsCovered() {
        #expect(Set(Self.cases.map(\.kind)) == Set(TimelineKind.allCases.map(\.rawValue)))
    }

    /// Rows a newer version wrote, or in a shape this one does not expect, are kept exactly as stored.
    @Test(arguments: [
        ("future_kind", ["x": "1", "actorID": "U1"]),
        ("severity_changed", ["from": "SEV3"]),                     // a field missing
        ("severity_changed", ["from": "SEV3", "to": "SEV9"]),       // a value out of range
        ("alert_fired", ["fingerprint": "f", "startsAt": "yesterday"]),
        ("note", ["actorID": "U1", "mood": "tired"]),               // an extra field
        ("incident_reopened", ["reopenCount": "02"]),               // would not re-encode the same
    ])
    func unreadableRowsStayAsStored(kind: String, data: [String: String]) {
        let entry = TimelineEntry(id: 1, at: Self.t, kind: kind, actor: "x", text: "y", data: data)
        guard case .unrecognized = entry.event else { Issue.record("read as \(entry.event)"); return }
        #expect(entry.kind == kind)
        #expect(entry.data == data)
        #expect(OutboundEvent.of(entry.event) == nil)
    }
}
