@testable import FirehouseCore
import Testing

struct IncidentStatsTests {
    static let t0 = Timestamp(seconds: 1_000_000)
    static func at(_ m: Int64) -> Timestamp { t0 + .minutes(m) }

    static let records = [
        StatsRecord(id: 1, severity: .sev1, status: .closed, openedAt: at(0), acknowledgedAt: at(2), mitigatedAt: at(10),
                    resolvedAt: at(30), reopenCount: 2, services: ["checkout"], alertnames: ["ServiceMemoryLeak"]),
        StatsRecord(id: 2, severity: .sev3, status: .resolved, openedAt: at(60), acknowledgedAt: at(64), resolvedAt: at(120),
                    services: ["checkout", "payments"], alertnames: ["ServiceMemoryLeak", "MySQLSlowQueries"]),
        StatsRecord(id: 3, severity: .sev3, status: .triggered, openedAt: at(180), services: ["checkout"],
                    alertnames: ["KafkaBrokerDown"]),
        StatsRecord(id: 4, severity: .sev2, status: .acknowledged, openedAt: at(200), acknowledgedAt: at(210),
                    reopenCount: 1, services: ["payments"], alertnames: ["MySQLSlowQueries"]),
    ]

    @Test func countsAndDistributions() {
        let s = IncidentStats.compute(Self.records)
        #expect(s.total == 4)
        #expect(s.bySeverity == ["SEV1": 1, "SEV2": 1, "SEV3": 2, "SEV4": 0])
        #expect(s.byStatus["closed"] == 1 && s.byStatus["triggered"] == 1 && s.byStatus["mitigated"] == 0)
        // Acknowledge: 2, 4, 10 minutes -> mean 5m20s, p50 4m, p90 10m (nearest rank).
        #expect(s.timeToAcknowledge.count == 3)
        #expect(s.timeToAcknowledge.mean == .seconds(320))
        #expect(s.timeToAcknowledge.p50 == .minutes(4))
        #expect(s.timeToAcknowledge.p90 == .minutes(10))
        #expect(s.timeToMitigate.count == 1 && s.timeToMitigate.p90 == .minutes(10))
        #expect(s.timeToResolve.mean == .minutes(45))
    }

    @Test func perServicePerDayAndTimeToResolveBuckets() {
        let s = IncidentStats.compute(Self.records)
        #expect(s.byService == ["checkout": 3, "payments": 2])
        #expect(s.perDay == [.init(day: "1970-01-12", incidents: 4)])
        // Resolved after 30 and 60 minutes: both in the "at most 1 h" bucket.
        #expect(s.resolveHistogram == [0, 0, 2, 0, 0, 0])
        var late = Self.records[0]
        late.openedAt = Timestamp(rfc3339: "1970-01-13T00:00:00Z")!
        late.resolvedAt = late.openedAt + .hours(30)
        let next = IncidentStats.compute([late, Self.records[1]])
        #expect(next.perDay.map(\.day) == ["1970-01-12", "1970-01-13"])
        #expect(next.resolveHistogram == [0, 0, 1, 0, 0, 1])
    }

    @Test func meanTimeBetweenIncidentsPerService() {
        let s = IncidentStats.compute(Self.records)
        #expect(s.meanTimeBetweenIncidents["checkout"] == .minutes(90))   // 0, 60, 180
        #expect(s.meanTimeBetweenIncidents["payments"] == .minutes(140))  // 60, 200
    }

    @Test func noisiestAlertnamesByIncidentsThenFlaps() {
        let s = IncidentStats.compute(Self.records)
        #expect(s.noisiestAlertnames.map(\.alertname) == ["ServiceMemoryLeak", "MySQLSlowQueries", "KafkaBrokerDown"])
        #expect(s.noisiestAlertnames[0].flaps == 2 && s.noisiestAlertnames[1].flaps == 1)
    }

    @Test func emptyWindow() {
        let s = IncidentStats.compute([])
        #expect(s.total == 0 && s.timeToResolve.mean == nil && s.noisiestAlertnames.isEmpty)
    }
}
