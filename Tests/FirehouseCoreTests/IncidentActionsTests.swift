@testable import FirehouseCore
import Testing

struct IncidentActionsTests {
    let now = Timestamp(seconds: 10_000)
    let alice = Actor(id: "T1:U1", name: "alice")

    func head(_ status: IncidentStatus, severity: Severity = .sev3) -> IncidentHead {
        IncidentHead(id: 5, correlationKey: "k", receiver: "r", title: "Checkout down", labels: [:],
                     severity: severity, milestones: .init(status: status), openedAt: Timestamp(seconds: 1))
    }

    func decide(_ action: IncidentAction, _ head: IncidentHead, roles: [RoleAssignment] = []) -> IncidentActions.Decision {
        IncidentActions.decide(action, head: head, roles: roles, actor: alice, now: now)
    }

    @Test func ackRecordsWhoAndWhen() throws {
        guard case .changed(let e) = decide(.move(.acknowledge, summary: nil), head(.triggered)) else {
            Issue.record("not changed"); return
        }
        #expect(e.head.status == .acknowledged)
        #expect(e.head.milestones.acknowledgedAt == now)
        #expect(e.timeline.count == 1)
        #expect(e.timeline[0].event.kind == .statusChanged && e.timeline[0].actor == "alice")
        #expect(e.timeline[0].stored.data["actorID"] == "T1:U1")
    }

    @Test func ackTwiceSaysSo() {
        #expect(decide(.move(.acknowledge, summary: nil), head(.acknowledged)) == .unchanged("INC-5 is already acknowledged"))
    }

    @Test func illegalMovesChangeNothingAndExplain() {
        #expect(decide(.move(.acknowledge, summary: nil), head(.closed))
            == .refused("cannot acknowledge INC-5: it is closed (possible: reopen)"))
        #expect(decide(.move(.close, summary: nil), head(.investigating))
            == .refused("cannot close INC-5: it is investigating (possible: mitigate, resolve)"))
    }

    @Test func resolveKeepsTheSummary() throws {
        guard case .changed(let e) = decide(.move(.resolve, summary: "rolled back v2.3"), head(.mitigated)) else {
            Issue.record("not changed"); return
        }
        #expect(e.timeline[0].stored.data["summary"] == "rolled back v2.3")
        #expect(e.head.milestones.resolvedAt == now)
    }

    @Test func humanReopenCounts() throws {
        guard case .changed(let e) = decide(.move(.reopen, summary: nil), head(.closed)) else {
            Issue.record("not changed"); return
        }
        #expect(e.head.reopenCount == 1 && e.head.status == .triggered)
    }

    @Test func severityPinsAndWins() throws {
        guard case .changed(let e) = decide(.setSeverity(.sev1), head(.triggered)) else { Issue.record("no"); return }
        #expect(e.head.severity == .sev1 && e.head.severityPinned)
        #expect(e.timeline[0].event.kind == .severityChanged)
        var pinned = head(.triggered, severity: .sev1)
        pinned.severityPinned = true
        #expect(decide(.setSeverity(.sev1), pinned) == .unchanged("INC-5 is already SEV1"))
    }

    @Test func assignHandoverAndUnassign() throws {
        let bob = ChatUser(id: "U2", name: "bob")
        let carol = ChatUser(id: "U3", name: "carol")
        guard case .changed(let first) = decide(.assign(role: "commander", user: bob), head(.triggered)) else {
            Issue.record("no"); return
        }
        #expect(first.startedRoles == [.init(role: "commander", user: bob)] && first.endedRoles.isEmpty)
        let held = [RoleAssignment(id: 9, role: "commander", user: bob, from: Timestamp(seconds: 5), assignedBy: "alice")]
        #expect(decide(.assign(role: "commander", user: bob), head(.triggered), roles: held)
            == .unchanged("bob is already commander of INC-5"))
        guard case .changed(let handover) = decide(.assign(role: "commander", user: carol), head(.triggered), roles: held) else {
            Issue.record("no"); return
        }
        #expect(handover.endedRoles == [9])
        #expect(handover.timeline[0].text == "commander handed over from bob to carol")
        #expect(handover.timeline[0].stored.data["previous"] == "bob")
        guard case .changed(let off) = decide(.unassign(role: "commander"), head(.triggered), roles: held) else {
            Issue.record("no"); return
        }
        #expect(off.endedRoles == [9] && off.timeline[0].event.kind == .roleUnassigned)
        #expect(decide(.unassign(role: "scribe"), head(.triggered), roles: held) == .unchanged("nobody holds scribe on INC-5"))
    }

    @Test func closedIncidentsRefuseRolesAndSeverityButTakeNotes() {
        let closed = head(.closed)
        #expect(decide(.assign(role: "scribe", user: ChatUser(id: "a", name: "a")), closed) == .refused("INC-5 is closed; reopen it first"))
        #expect(decide(.setSeverity(.sev1), closed) == .refused("INC-5 is closed; reopen it first"))
        guard case .changed(let e) = decide(.note("TODO: add alert on queue depth"), closed) else { Issue.record("no"); return }
        #expect(e.timeline[0].event.kind == .note && e.head == closed)
    }

    @Test func retitle() {
        guard case .changed(let e) = decide(.retitle("Checkout latency"), head(.triggered)) else { Issue.record("no"); return }
        #expect(e.head.title == "Checkout latency")
        #expect(decide(.retitle("Checkout down"), head(.triggered)) == .unchanged("INC-5 already has that title"))
    }
}
