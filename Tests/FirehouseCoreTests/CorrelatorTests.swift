@testable import FirehouseCore
import Testing

/// Replays real Alertmanager captures through the correlator.
struct CorrelatorTests {
    static let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!

    struct Step: Sendable, CustomStringConvertible {
        var fixture: String
        /// Minutes after t0 at which it arrives.
        var minute: Int64
        var expected: [IngestResult]
        var description: String { "\(fixture)@\(minute)m" }
    }

    static func r(_ id: Int64, _ action: IngestOutcome) -> IngestResult { IngestResult(id: id, action: action) }

    /// Each sequence: fixtures in arrival order and the summary each must produce.
    @Test(arguments: [
        ("single firing then resolved", [
            Step(fixture: "01-single-critical--firing", minute: 0, expected: [r(1, .opened)]),
            Step(fixture: "01-single-critical--resolved", minute: 1, expected: [r(1, .resolved)]),
        ]),
        ("storm, partial resolve, all resolved", [
            Step(fixture: "02-alert-storm--firing-5-alerts", minute: 0, expected: [r(1, .opened)]),
            Step(fixture: "02-alert-storm--partially-resolved", minute: 1, expected: [r(1, .updated)]),
            Step(fixture: "02-alert-storm--all-resolved", minute: 2, expected: [r(1, .resolved)]),
        ]),
        ("repeats change nothing", [
            Step(fixture: "04-repeat--initial", minute: 0, expected: [r(1, .opened)]),
            Step(fixture: "04-repeat--repeat-1", minute: 1, expected: [r(1, .unchanged)]),
            Step(fixture: "04-repeat--repeat-2", minute: 2, expected: [r(1, .unchanged)]),
            Step(fixture: "04-repeat--repeat-after-annotation-change", minute: 3, expected: [r(1, .unchanged)]),
        ]),
        ("two groups, two incidents", [
            Step(fixture: "03-two-groups--firing--redisoutofmemory-session-cache", minute: 0, expected: [r(1, .opened)]),
            Step(fixture: "03-two-groups--firing--mysqlconnectionpoolexhausted-orders-api", minute: 0, expected: [r(2, .opened)]),
        ]),
        ("retries of a 500 are one incident", [
            Step(fixture: "07-http-500-retried--receiver-answers-500-three-times-1", minute: 0, expected: [r(1, .opened)]),
            Step(fixture: "07-http-500-retried--receiver-answers-500-three-times-2", minute: 0, expected: [r(1, .unchanged)]),
            Step(fixture: "07-http-500-retried--receiver-answers-500-three-times-4", minute: 0, expected: [r(1, .unchanged)]),
        ]),
        ("truncated resolve never resolves the incident", [
            Step(fixture: "05-max-alerts-truncation--firing-5-alerts-max-2", minute: 0, expected: [r(1, .opened)]),
            Step(fixture: "05-max-alerts-truncation--es-data-0-and-1-resolved", minute: 1, expected: [r(1, .updated)]),
        ]),
        ("resolved before firing: stays resolved", [
            Step(fixture: "01-single-critical--resolved", minute: 0, expected: [r(1, .opened)]),
            Step(fixture: "01-single-critical--firing", minute: 1, expected: [r(1, .unchanged)]),
        ]),
        ("another group after a resolve opens its own incident", [
            Step(fixture: "01-single-critical--firing", minute: 0, expected: [r(1, .opened)]),
            Step(fixture: "01-single-critical--resolved", minute: 1, expected: [r(1, .resolved)]),
            Step(fixture: "06-unicode-long-annotations--firing", minute: 2, expected: [r(2, .opened)]),
        ]),
    ] as [(String, [Step])])
    func replays(name: String, steps: [Step]) throws {
        var ledger = InMemoryLedger()
        for step in steps {
            let n = try Fixtures.notification(step.fixture)
            let results = ledger.ingest(n, at: Self.t0 + .minutes(step.minute))
            #expect(results == step.expected, "\(name): \(step)")
        }
    }

    @Test func openingRecordsTitleSeverityAndTimeline() throws {
        var ledger = InMemoryLedger()
        ledger.ingest(try Fixtures.notification("02-alert-storm--firing-5-alerts"), at: Self.t0)
        let incident = try #require(ledger.incidents[1])
        #expect(incident.status == .triggered)
        #expect(incident.severity == .sev3)  // severity "warning"
        #expect(incident.labels == ["alertname": "ServiceMemoryLeak", "service": "checkout-api"])
        #expect(ledger.kinds(1) == [.incidentOpened] + Array(repeating: .alertFired, count: 5))
        #expect(incident.title == "checkout-api memory keeps growing (possible leak)")  // commonAnnotations.summary
    }

    @Test func partialResolveResolvesOnlyListedAlerts() throws {
        var ledger = InMemoryLedger()
        ledger.ingest(try Fixtures.notification("02-alert-storm--firing-5-alerts"), at: Self.t0)
        ledger.ingest(try Fixtures.notification("02-alert-storm--partially-resolved"), at: Self.t0 + .minutes(1))
        #expect(ledger.episodes.values.filter { $0.status == .firing }.count == 3)
        #expect(ledger.incidents[1]?.status == .triggered)
        ledger.ingest(try Fixtures.notification("02-alert-storm--all-resolved"), at: Self.t0 + .minutes(2))
        #expect(ledger.incidents[1]?.status == .resolved)
        #expect(ledger.kinds(1).last == .incidentResolved)
        #expect(ledger.kinds(1).filter { $0 == .alertResolved }.count == 5)
    }

    @Test func truncationIsRecordedOnceAndKeepsIncidentOpen() throws {
        var ledger = InMemoryLedger()
        let firing = try Fixtures.notification("05-max-alerts-truncation--firing-5-alerts-max-2")
        ledger.ingest(firing, at: Self.t0)
        ledger.ingest(firing, at: Self.t0 + .minutes(1))
        ledger.ingest(try Fixtures.notification("05-max-alerts-truncation--es-data-0-and-1-resolved"), at: Self.t0 + .minutes(2))
        #expect(ledger.kinds(1).filter { $0 == .notificationTruncated }.count == 1)
        #expect(ledger.incidents[1]?.status == .triggered)
        #expect(ledger.incidents[1]?.truncatedAlerts == 3)
    }

    @Test func repeatsOnlyMoveLastSeen() throws {
        var ledger = InMemoryLedger()
        let n = try Fixtures.notification("04-repeat--initial")
        ledger.ingest(n, at: Self.t0)
        let before = ledger.timeline[1]!.count
        ledger.ingest(n, at: Self.t0 + .minutes(5))
        #expect(ledger.timeline[1]!.count == before)
        #expect(ledger.incidents.count == 1)
        #expect(ledger.episodes[1]!.lastSeen == Self.t0 + .minutes(5))
    }

    @Test func annotationEditsAreKeptWithoutTimeline() throws {
        var ledger = InMemoryLedger()
        ledger.ingest(try Fixtures.notification("04-repeat--initial"), at: Self.t0)
        let changed = try Fixtures.notification("04-repeat--repeat-after-annotation-change")
        ledger.ingest(changed, at: Self.t0 + .minutes(1))
        #expect(ledger.episodes[1]!.annotations == changed.alerts[0].annotations)
        #expect(ledger.kinds(1) == [.incidentOpened, .alertFired])
    }

    /// A new episode of the same alert (new startsAt) after resolution.
    static func refire(_ n: AlertmanagerNotification, startsAt: Timestamp) -> AlertmanagerNotification {
        var copy = n
        copy.alerts = copy.alerts.map { var a = $0; a.startsAt = startsAt; return a }
        return copy
    }

    @Test(arguments: [(Int64(10), true), (29, true), (30, true), (31, false), (120, false)])
    func reopenWindow(minutesAfterResolve: Int64, reopens: Bool) throws {
        var ledger = InMemoryLedger(config: .init(reopenWindow: .minutes(30)))
        let firing = try Fixtures.notification("01-single-critical--firing")
        ledger.ingest(firing, at: Self.t0)
        ledger.ingest(try Fixtures.notification("01-single-critical--resolved"), at: Self.t0 + .minutes(1))
        let later = Self.t0 + .minutes(1 + minutesAfterResolve)
        let results = ledger.ingest(Self.refire(firing, startsAt: later), at: later)
        if reopens {
            #expect(results == [IngestResult(id: 1, action: .reopened)])
            #expect(ledger.incidents[1]?.reopenCount == 1)
            #expect(ledger.incidents[1]?.status == .triggered)
            #expect(ledger.incidents[1]?.milestones.resolvedAt == nil)
            #expect(ledger.kinds(1).contains(.incidentReopened))
        } else {
            #expect(results == [IngestResult(id: 2, action: .opened)])
            #expect(ledger.incidents[1]?.status == .resolved)
        }
    }

    @Test func closedIncidentsAreNeverReopenedByAlerts() throws {
        var ledger = InMemoryLedger()
        let firing = try Fixtures.notification("01-single-critical--firing")
        ledger.ingest(firing, at: Self.t0)
        ledger.ingest(try Fixtures.notification("01-single-critical--resolved"), at: Self.t0 + .minutes(1))
        ledger.incidents[1]!.milestones.status = .closed
        let results = ledger.ingest(Self.refire(firing, startsAt: Self.t0 + .minutes(2)), at: Self.t0 + .minutes(2))
        #expect(results == [IngestResult(id: 2, action: .opened)])
    }

    @Test func autoResolveCanBeTurnedOff() throws {
        var ledger = InMemoryLedger(config: .init(autoResolve: false))
        ledger.ingest(try Fixtures.notification("01-single-critical--firing"), at: Self.t0)
        let results = ledger.ingest(try Fixtures.notification("01-single-critical--resolved"), at: Self.t0 + .minutes(1))
        #expect(results == [IngestResult(id: 1, action: .updated)])
        #expect(ledger.incidents[1]?.status == .triggered)
    }

    @Test func configuredGroupBySplitsANotification() throws {
        var ledger = InMemoryLedger(config: .init(groupBy: ["pod"]))
        let results = ledger.ingest(try Fixtures.notification("02-alert-storm--firing-5-alerts"), at: Self.t0)
        #expect(results.count == 5)
        #expect(Set(results.map(\.action)) == [.opened])
    }

    @Test func severityRisesToTheWorstAlertUnlessPinned() throws {
        let t = Self.t0
        func note(_ severity: String, _ pod: String) -> AlertmanagerNotification {
            AlertmanagerNotification(
                receiver: "r", status: .firing,
                alerts: [.init(status: .firing, labels: ["alertname": "X", "pod": pod, "severity": severity], startsAt: t)],
                groupLabels: ["alertname": "X"])
        }
        var ledger = InMemoryLedger()
        ledger.ingest(note("info", "a"), at: t)
        #expect(ledger.incidents[1]?.severity == .sev4)
        ledger.ingest(note("critical", "b"), at: t)
        #expect(ledger.incidents[1]?.severity == .sev1)
        ledger.ingest(note("warning", "c"), at: t)
        #expect(ledger.incidents[1]?.severity == .sev1)
        #expect(ledger.kinds(1).filter { $0 == .severityChanged }.count == 1)
        ledger.incidents[1]!.severityPinned = true
        ledger.incidents[1]!.severity = .sev4
        ledger.ingest(note("critical", "d"), at: t)
        #expect(ledger.incidents[1]?.severity == .sev4)
    }

    @Test func titleFallsBackToAlertnameAndGroupLabels() {
        let t = Self.t0
        let n = AlertmanagerNotification(
            receiver: "r", status: .firing,
            alerts: [.init(status: .firing, labels: ["alertname": "KafkaBrokerDown", "service": "kafka"], startsAt: t)],
            groupLabels: ["alertname": "KafkaBrokerDown", "service": "kafka"])
        var ledger = InMemoryLedger()
        ledger.ingest(n, at: t)
        #expect(ledger.incidents[1]?.title == "KafkaBrokerDown (service=kafka)")
    }

    @Test func receiversDoNotShareIncidents() throws {
        var ledger = InMemoryLedger()
        var n = try Fixtures.notification("01-single-critical--firing")
        ledger.ingest(n, at: Self.t0)
        n.receiver = "other"
        #expect(ledger.ingest(n, at: Self.t0) == [IngestResult(id: 2, action: .opened)])
    }

    @Test func duplicateEpisodesInOneBodyCountOnce() throws {
        var n = try Fixtures.notification("01-single-critical--firing")
        n.alerts.append(n.alerts[0])
        var ledger = InMemoryLedger()
        ledger.ingest(n, at: Self.t0)
        #expect(ledger.episodes.count == 1)
    }
}
