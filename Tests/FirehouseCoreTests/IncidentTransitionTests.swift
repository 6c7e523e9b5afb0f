@testable import FirehouseCore
import Testing

/// Which timeline entries count as an incident transition (`firehouse_incidents_total`).
struct IncidentTransitionTests {
    static let counted: [(TimelineEvent, IncidentTransition)] = [
        (.incidentOpened(severity: .sev2, source: .alerts(receiver: "r", groupKey: "g")), .opened),
        (.incidentOpened(severity: .sev2, source: .declared), .opened),
        (.incidentReopened(reopenCount: 1), .reopened),
        (.incidentResolved, .resolved),
        (.statusChanged(from: .mitigated, to: .resolved, summary: "fixed"), .resolved),
        (.statusChanged(from: .resolved, to: .closed, summary: nil), .closed),
        (.statusChanged(from: .closed, to: .triggered, summary: nil), .reopened),
    ]

    @Test func transitionsAreReadOffTheirEntries() {
        for (event, transition) in Self.counted { #expect(event.transition == transition, "\(event)") }
        #expect(Set(Self.counted.map(\.1)) == Set(IncidentTransition.allCases))
    }

    /// Every other event of the outbound table (which has every kind) counts nothing.
    @Test func nothingElseCounts() {
        let others = OutboundEventTests.cases.map(\.event).filter { event in !Self.counted.contains { $0.0 == event } }
        #expect(!others.isEmpty)
        for event in others { #expect(event.transition == nil, "\(event)") }
    }
}
