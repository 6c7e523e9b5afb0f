@testable import FirehouseCore
import Testing

/// Error budget arithmetic as data: windows, overlaps, partial impact, unmitigated and open
/// incidents, drills, where impact ends.
struct ErrorBudgetTests {
    static let now = Timestamp(seconds: 1_800_000_000)
    /// 99.9% over 30 days: 43m12s allowed.
    static let checkout = ServiceObjective(service: "checkout", objective: 99.9, window: .seconds(30 * 86_400))

    /// An incident of `service` whose first alert fired `start` minutes before now; mitigated and
    /// resolved `mitigated`/`resolved` minutes before now (nil: not yet).
    static func incident(_ id: Int64, _ service: String = "checkout", start: Int64, mitigated: Int64? = nil, resolved: Int64? = nil,
                         opened: Int64? = nil, drill: Bool = false, status: IncidentStatus? = nil) -> ImpactRecord {
        ImpactRecord(id: id, drill: drill, status: status, openedAt: now - .minutes(opened ?? start), firstAlertAt: now - .minutes(start),
                     mitigatedAt: mitigated.map { now - .minutes($0) }, resolvedAt: resolved.map { now - .minutes($0) },
                     labelSets: [["alertname": "A"], ["alertname": "A", "service": service]])
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var records: [ImpactRecord]
        var end = ImpactEnd.mitigated
        /// Minutes charged per incident id, in the order they began.
        var charged: [(Int64, Int64)]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "one incident: first alert to mitigation", records: [incident(1, start: 100, mitigated: 70, resolved: 10)],
             charged: [(1, 30)]),
        Case(name: "impact ends at resolution when configured", records: [incident(1, start: 100, mitigated: 70, resolved: 10)],
             end: .resolved, charged: [(1, 90)]),
        Case(name: "never mitigated: up to resolution", records: [incident(1, start: 50, resolved: 20)], charged: [(1, 30)]),
        Case(name: "still open: up to now", records: [incident(1, start: 25)], charged: [(1, 25)]),
        Case(name: "impact began with the alert, before the incident opened", records: [incident(1, start: 40, mitigated: 20, opened: 30)],
             charged: [(1, 20)]),
        Case(name: "overlapping incidents are charged once, the overlap to the first",
             records: [incident(2, start: 50, mitigated: 10), incident(1, start: 60, mitigated: 30)], charged: [(1, 30), (2, 20)]),
        Case(name: "one inside another: the inner one is listed, charged nothing",
             records: [incident(1, start: 60, mitigated: 0), incident(2, start: 50, mitigated: 40)], charged: [(1, 60), (2, 0)]),
        Case(name: "partly before the window: only the part inside counts",
             records: [incident(1, start: 30 * 1440 + 60, mitigated: 30 * 1440 - 15)], charged: [(1, 15)]),
        Case(name: "wholly before the window: nothing", records: [incident(1, start: 31 * 1440, mitigated: 30 * 1440 + 10)], charged: []),
        Case(name: "mitigated, then back to investigating: charged up to now",
             records: [incident(1, start: 100, mitigated: 70, status: .investigating)], charged: [(1, 100)]),
        Case(name: "resolved, then reopened: charged up to now",
             records: [incident(1, start: 100, mitigated: 70, resolved: 60, status: .triggered)], charged: [(1, 100)]),
        Case(name: "mitigated, impact ending at resolution: still hurting", records: [incident(1, start: 100, mitigated: 70, status: .mitigated)],
             end: .resolved, charged: [(1, 100)]),
        Case(name: "both began before the window: the overlap goes to the one that began first",
             records: [incident(1, start: 30 * 1440 + 10, mitigated: 30 * 1440 - 20), incident(2, start: 31 * 1440, mitigated: 30 * 1440 - 30)],
             charged: [(2, 30), (1, 0)]),
        Case(name: "drills are never charged", records: [incident(1, start: 60, mitigated: 0, drill: true)], charged: []),
        Case(name: "another service's incident is not charged", records: [incident(1, "payments", start: 60, mitigated: 0)], charged: []),
    ]

    @Test(arguments: cases) func charges(_ c: Case) {
        let report = ErrorBudget.report(Self.checkout, records: c.records, end: c.end, now: Self.now)
        #expect(report.incidents.map(\.id) == c.charged.map(\.0))
        #expect(report.incidents.map(\.charged) == c.charged.map { TimeSpan.minutes($0.1) })
        let total = c.charged.reduce(Int64(0)) { $0 + $1.1 }
        #expect(report.consumed == .minutes(total))
    }

    @Test func theBudgetFiguresFollowFromTheObjective() {
        let report = ErrorBudget.report(Self.checkout, records: [Self.incident(1, start: 90, mitigated: 78)], end: .mitigated, now: Self.now)
        #expect(report.allowed == .seconds(2_592))  // 30 d × 0.1% = 43m12s
        #expect(report.consumed == .minutes(12))
        #expect(report.remaining == .seconds(2_592 - 720))
        #expect(abs(report.remainingRatio - (1 - 720.0 / 2_592)) < 1e-9)
        #expect(abs(report.availability - 100 * (1 - 720.0 / 2_592_000)) < 1e-9)
        // The last hour saw no downtime (it ended 78 minutes ago).
        #expect(report.burnRate == 0)
        // 30 minutes down in the last hour: (0.5) / 0.001 = 500× the sustainable rate.
        let burning = ErrorBudget.report(Self.checkout, records: [Self.incident(1, start: 30)], end: .mitigated, now: Self.now)
        #expect(abs(burning.burnRate - 500) < 1e-9)
        // Overspent: negative remaining.
        let overspent = ErrorBudget.report(Self.checkout, records: [Self.incident(1, start: 120, mitigated: 0)], end: .mitigated, now: Self.now)
        #expect(overspent.remaining == .seconds(2_592 - 7_200) && overspent.remainingRatio < 0)
    }

    @Test func matchersSelectTheIncidents() throws {
        let custom = ServiceObjective(service: "edge", objective: 99, window: .hours(24),
                                      match: [try LabelMatcher(parsing: #"alertname=~"Edge.*""#)])
        let edge = ImpactRecord(id: 1, openedAt: Self.now - .minutes(10), labelSets: [["alertname": "EdgeDown"]])
        let other = ImpactRecord(id: 2, openedAt: Self.now - .minutes(10), labelSets: [["alertname": "Other", "service": "edge"]])
        #expect(custom.matches(edge) && !custom.matches(other))
        #expect(ServiceObjective(service: "edge", objective: 99, window: .hours(24)).matches(other), "default: service=\"edge\"")
        #expect(custom.allowed == .seconds(864))
    }

    @Test func theHeartbeatOpensWhenSilentAndResolvesWhenBack() {
        let beat = Heartbeat(alertname: "Watchdog", timeout: .minutes(5))
        let t = Self.now
        #expect(beat.decide(lastSeen: t - .minutes(4), now: t, openIncident: nil) == .steady)
        #expect(beat.decide(lastSeen: t - .minutes(6), now: t, openIncident: nil) == .open(silentFor: .minutes(6)))
        #expect(beat.decide(lastSeen: t - .minutes(6), now: t, openIncident: 9) == .steady, "already open")
        #expect(beat.decide(lastSeen: t - .seconds(10), now: t, openIncident: 9) == .resolve(9))
        #expect(beat.isHeartbeat(.init(status: .firing, labels: ["alertname": "Watchdog"], startsAt: t)))
    }

    @Test func aDrillAlertSatisfiesTheRunbooksMatchers() throws {
        let matchers = try [#"alertname="RedisLatencyHigh""#, #"tier=~"cache|db""#, #"env!="prod""#].map { try LabelMatcher(parsing: $0) }
        let labels = try DrillAlert.labels(for: matchers, drillLabel: "drill", drillValue: "true", run: "r1")
        #expect(labels == ["alertname": "RedisLatencyHigh", "tier": "cache", "drill": "true", DrillAlert.runLabel: "r1"])
        let regex = try LabelMatcher(parsing: #"alertname=~"Kafka.*""#)
        #expect(throws: DrillAlert.Problem.self) { try DrillAlert.labels(for: [regex], drillLabel: "drill", drillValue: "true", run: "r") }
    }

    @Test func reliabilityPerServiceFollowsTheClassicDefinitions() throws {
        let window = Interval(start: Self.now - .hours(10), end: Self.now)
        let records = [
            StatsRecord(id: 1, severity: .sev2, status: .resolved, openedAt: Self.now - .hours(9), mitigatedAt: Self.now - .hours(8),
                        resolvedAt: Self.now - .hours(7), services: ["checkout"]),
            StatsRecord(id: 2, severity: .sev2, status: .resolved, openedAt: Self.now - .hours(5), resolvedAt: Self.now - .hours(4),
                        services: ["checkout"]),
        ]
        let r = try #require(IncidentStats.compute(records, window: window).reliability["checkout"])
        #expect(r.failures == 2 && r.downtime == .hours(2) && r.uptime == .hours(8))
        #expect(r.mtbf == .hours(4) && r.mttr == .hours(1))
        #expect(abs(r.availability - 80) < 1e-9, "MTBF / (MTBF + MTTR) = 4 / 5")
    }

    /// A budget of a few nanoseconds (an objective with 14 nines) and an alert that started years
    /// ago give a share past Int64: the figure saturates instead of trapping the close.
    @Test func hugeSharesPrintWithoutTrapping() {
        #expect(PostmortemRenderer.percent(12.3456) == "12.35%")
        #expect(PostmortemRenderer.percent(99.99956) == "99.9996%")
        #expect(PostmortemRenderer.percent(-0.5) == "-0.5%")
        #expect(PostmortemRenderer.percent(1e19) == "92233720368547758.07%")
        #expect(PostmortemRenderer.percent(-.infinity) == "-92233720368547758.07%")
        #expect(PostmortemRenderer.percent(.nan) == "0%")
        #expect(ChatReplies.decimal(1e300) == "922337203685477580.7")
        #expect(ChatReplies.decimal(2.25) == "2.3" || ChatReplies.decimal(2.25) == "2.2")
    }
}
