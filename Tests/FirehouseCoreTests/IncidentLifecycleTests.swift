@testable import FirehouseCore
import Testing

struct IncidentLifecycleTests {
    typealias Move = IncidentLifecycle.Move
    static let now = Timestamp(seconds: 1_000)

    /// Every (status, move) pair and what must happen: a target status, "same" (no-op) or "illegal".
    static let table: [(IncidentStatus, Move, String)] = [
        (.triggered, .acknowledge, "acknowledged"), (.triggered, .investigate, "investigating"),
        (.triggered, .mitigate, "mitigated"), (.triggered, .resolve, "resolved"),
        (.triggered, .close, "illegal"), (.triggered, .reopen, "illegal"),
        (.acknowledged, .acknowledge, "same"), (.acknowledged, .investigate, "investigating"),
        (.acknowledged, .mitigate, "mitigated"), (.acknowledged, .resolve, "resolved"),
        (.acknowledged, .close, "illegal"), (.acknowledged, .reopen, "illegal"),
        (.investigating, .acknowledge, "same"), (.investigating, .investigate, "same"),
        (.investigating, .mitigate, "mitigated"), (.investigating, .resolve, "resolved"),
        (.investigating, .close, "illegal"), (.investigating, .reopen, "illegal"),
        (.mitigated, .acknowledge, "same"), (.mitigated, .investigate, "investigating"),
        (.mitigated, .mitigate, "same"), (.mitigated, .resolve, "resolved"),
        (.mitigated, .close, "illegal"), (.mitigated, .reopen, "illegal"),
        (.resolved, .acknowledge, "illegal"), (.resolved, .investigate, "illegal"),
        (.resolved, .mitigate, "illegal"), (.resolved, .resolve, "same"),
        (.resolved, .close, "closed"), (.resolved, .reopen, "triggered"),
        (.closed, .acknowledge, "illegal"), (.closed, .investigate, "illegal"),
        (.closed, .mitigate, "illegal"), (.closed, .resolve, "illegal"),
        (.closed, .close, "same"), (.closed, .reopen, "triggered"),
    ]

    @Test func tableCoversEveryPair() {
        #expect(Self.table.count == IncidentStatus.allCases.count * Move.allCases.count)
    }

    @Test(arguments: table)
    func move(from status: IncidentStatus, move: Move, expected: String) {
        let outcome = IncidentLifecycle.apply(move, to: .init(status: status), at: Self.now)
        switch outcome {
        case .moved(let from, let next):
            #expect(from == status)
            #expect(next.status.rawValue == expected)
        case .unchanged(let current):
            #expect(expected == "same")
            #expect(current == status)
        case .illegal(let from, let illegal, let allowed):
            #expect(expected == "illegal")
            #expect(from == status && illegal == move)
            #expect(!allowed.contains(move))
        }
    }

    @Test func milestonesAreStampedOnce() {
        guard case .moved(_, let acked) = IncidentLifecycle.apply(.acknowledge, to: .init(status: .triggered), at: Self.now)
        else { Issue.record("ack failed"); return }
        #expect(acked.acknowledgedAt == Self.now)
        let later = Self.now + .seconds(60)
        guard case .moved(_, let mitigated) = IncidentLifecycle.apply(.mitigate, to: acked, at: later)
        else { Issue.record("mitigate failed"); return }
        #expect(mitigated.acknowledgedAt == Self.now)
        #expect(mitigated.mitigatedAt == later)
    }

    @Test func skippingAckStillRecordsWhenHumansResponded() {
        guard case .moved(_, let m) = IncidentLifecycle.apply(.investigate, to: .init(status: .triggered), at: Self.now)
        else { Issue.record("investigate failed"); return }
        #expect(m.acknowledgedAt == Self.now)
    }

    @Test func autoResolveLeavesAcknowledgementEmpty() {
        guard case .moved(_, let m) = IncidentLifecycle.apply(.resolve, to: .init(status: .triggered), at: Self.now)
        else { Issue.record("resolve failed"); return }
        #expect(m.acknowledgedAt == nil)
        #expect(m.resolvedAt == Self.now)
    }

    @Test func reopenClearsResolutionButKeepsHistory() {
        let closed = IncidentLifecycle.Milestones(
            status: .closed, acknowledgedAt: Self.now, mitigatedAt: Self.now, resolvedAt: Self.now, closedAt: Self.now)
        guard case .moved(_, let m) = IncidentLifecycle.apply(.reopen, to: closed, at: Self.now + .seconds(5))
        else { Issue.record("reopen failed"); return }
        #expect(m.status == .triggered)
        #expect(m.resolvedAt == nil && m.closedAt == nil)
        #expect(m.acknowledgedAt == Self.now)
    }
}
