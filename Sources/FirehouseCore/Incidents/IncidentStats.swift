/// One incident as statistics see it.
public struct StatsRecord: Sendable, Equatable {
    public var id: Int64
    public var severity: Severity
    public var status: IncidentStatus
    public var openedAt: Timestamp
    public var acknowledgedAt: Timestamp?
    public var mitigatedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var reopenCount: Int
    public var services: Set<String>
    public var alertnames: Set<String>
    public var drill: Bool

    public init(id: Int64, severity: Severity, status: IncidentStatus, openedAt: Timestamp, acknowledgedAt: Timestamp? = nil,
                mitigatedAt: Timestamp? = nil, resolvedAt: Timestamp? = nil, reopenCount: Int = 0,
                services: Set<String> = [], alertnames: Set<String> = [], drill: Bool = false) {
        self.drill = drill
        self.id = id
        self.severity = severity
        self.status = status
        self.openedAt = openedAt
        self.acknowledgedAt = acknowledgedAt
        self.mitigatedAt = mitigatedAt
        self.resolvedAt = resolvedAt
        self.reopenCount = reopenCount
        self.services = services
        self.alertnames = alertnames
    }
}

/// Aggregates over a set of incidents: counts, response times, recurrence, noisy alerts. Pure.
public struct IncidentStats: Sendable, Equatable {
    public var total: Int
    public var bySeverity: [String: Int]
    public var byStatus: [String: Int]
    public var timeToAcknowledge: Distribution
    public var timeToMitigate: Distribution
    public var timeToResolve: Distribution
    /// Mean time between the openings of consecutive incidents, per service (needs two incidents).
    public var meanTimeBetweenIncidents: [String: TimeSpan]
    public var noisiestAlertnames: [Noisy]
    /// Incidents per service they touched (one incident may count for several services).
    public var byService: [String: Int] = [:]
    /// Incidents opened per UTC day (`YYYY-MM-DD`), days without any left out, oldest first.
    public var perDay: [DayCount] = []
    /// Resolved incidents by time to resolve: one count per bound of `resolveBounds`, then the rest.
    public var resolveHistogram: [Int] = []
    /// MTBF, MTTR and achieved availability per service over the window.
    public var reliability: [String: Reliability] = [:]

    /// A service's reliability over a window, as the classic definitions have it:
    /// downtime = the union of its incidents' impact (opening to mitigation, or resolution when
    /// never mitigated, or the window's end while open), uptime = window − downtime,
    /// MTBF = uptime / failures, MTTR = downtime / failures,
    /// availability = MTBF / (MTBF + MTTR) = uptime / window (percent).
    public struct Reliability: Sendable, Equatable {
        public var failures: Int
        public var downtime: TimeSpan
        public var uptime: TimeSpan
        public var mtbf: TimeSpan
        public var mttr: TimeSpan
        public var availability: Double

        public init(failures: Int, downtime: TimeSpan, window: TimeSpan) {
            self.failures = failures
            self.downtime = downtime
            uptime = window - downtime
            let n = Int64(max(failures, 1))
            mtbf = TimeSpan(nanoseconds: uptime.nanoseconds / n)
            mttr = TimeSpan(nanoseconds: downtime.nanoseconds / n)
            availability = window.nanoseconds > 0 ? 100 * Double(uptime.nanoseconds) / Double(window.nanoseconds) : 100
        }
    }

    /// Upper bounds of `resolveHistogram`'s buckets: 5 min, 15 min, 1 h, 4 h, 1 day.
    public static let resolveBounds: [TimeSpan] = [.minutes(5), .minutes(15), .hours(1), .hours(4), .hours(24)]

    /// How many incidents were opened on one UTC day.
    public struct DayCount: Sendable, Equatable {
        public var day: String
        public var incidents: Int

        public init(day: String, incidents: Int) {
            self.day = day
            self.incidents = incidents
        }
    }

    /// Mean and nearest-rank percentiles of a set of durations; nil fields when there are none.
    public struct Distribution: Sendable, Equatable {
        public var count: Int
        public var mean: TimeSpan?
        public var p50: TimeSpan?
        public var p90: TimeSpan?

        public init(_ values: [TimeSpan]) {
            let sorted = values.map(\.nanoseconds).sorted()
            count = sorted.count
            guard !sorted.isEmpty else { return }
            // Summed in 128 bits: thousands of month-long incidents add up past Int64.
            let total = sorted.reduce(Int128(0)) { $0 + Int128($1) }
            mean = TimeSpan(nanoseconds: Int64(total / Int128(sorted.count)))
            p50 = TimeSpan(nanoseconds: Self.rank(sorted, 0.5))
            p90 = TimeSpan(nanoseconds: Self.rank(sorted, 0.9))
        }

        static func rank(_ sorted: [Int64], _ p: Double) -> Int64 {
            let index = Int((p * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(max(index, 0), sorted.count - 1)]
        }
    }

    /// An alertname and how much trouble it made.
    public struct Noisy: Sendable, Equatable {
        public var alertname: String
        public var incidents: Int
        public var flaps: Int
    }

    /// `window`: the span the records were taken from (for reliability; none without it).
    public static func compute(_ records: [StatsRecord], top: Int = 10, window: Interval? = nil) -> IncidentStats {
        var bySeverity: [String: Int] = [:]
        var byStatus: [String: Int] = [:]
        for severity in Severity.allCases { bySeverity[severity.name] = 0 }
        for status in IncidentStatus.allCases { byStatus[status.rawValue] = 0 }
        var perService: [String: [Timestamp]] = [:]
        var noisy: [String: (incidents: Int, flaps: Int)] = [:]
        for r in records {
            bySeverity[r.severity.name, default: 0] += 1
            byStatus[r.status.rawValue, default: 0] += 1
            for service in r.services { perService[service, default: []].append(r.openedAt) }
            for name in r.alertnames {
                noisy[name, default: (0, 0)].incidents += 1
                noisy[name, default: (0, 0)].flaps += r.reopenCount
            }
        }
        var between: [String: TimeSpan] = [:]
        for (service, times) in perService where times.count >= 2 {
            let sorted = times.sorted()
            between[service] = TimeSpan(nanoseconds: (sorted.last! - sorted.first!).nanoseconds / Int64(sorted.count - 1))
        }
        let ranked = noisy.map { Noisy(alertname: $0.key, incidents: $0.value.incidents, flaps: $0.value.flaps) }
            .sorted { ($0.incidents, $0.flaps, $1.alertname) > ($1.incidents, $1.flaps, $0.alertname) }
        let resolveTimes = records.compactMap { r in r.resolvedAt.map { $0 - r.openedAt } }
        var stats = IncidentStats(
            total: records.count, bySeverity: bySeverity, byStatus: byStatus,
            timeToAcknowledge: Distribution(records.compactMap { r in r.acknowledgedAt.map { $0 - r.openedAt } }),
            timeToMitigate: Distribution(records.compactMap { r in r.mitigatedAt.map { $0 - r.openedAt } }),
            timeToResolve: Distribution(resolveTimes),
            meanTimeBetweenIncidents: between, noisiestAlertnames: Array(ranked.prefix(top)))
        stats.byService = perService.mapValues(\.count)
        var days: [String: Int] = [:]
        for r in records { days[String(r.openedAt.rfc3339.prefix(10)), default: 0] += 1 }
        stats.perDay = days.sorted { $0.key < $1.key }.map { DayCount(day: $0.key, incidents: $0.value) }
        var histogram = [Int](repeating: 0, count: resolveBounds.count + 1)
        for time in resolveTimes {
            histogram[resolveBounds.firstIndex { time <= $0 } ?? resolveBounds.count] += 1
        }
        stats.resolveHistogram = histogram
        if let window {
            var impacts: [String: [(id: Int64, span: Interval)]] = [:]
            for r in records {
                // As in error budgets: the status says whether the milestones still hold.
                let span = ImpactRecord(id: r.id, status: r.status, openedAt: r.openedAt, mitigatedAt: r.mitigatedAt,
                                        resolvedAt: r.resolvedAt).impact(end: .mitigated, now: window.end)
                for service in r.services { impacts[service, default: []].append((id: r.id, span: span)) }
            }
            stats.reliability = impacts.mapValues { list in
                let downtime = ErrorBudget.charge(list, within: window).reduce(TimeSpan.seconds(0)) { $0 + $1.charged }
                return Reliability(failures: list.count, downtime: downtime, window: window.length)
            }
        }
        return stats
    }
}

/// Which incidents statistics cover: opened in [since, until), optionally only those touching a
/// service; drills left out unless asked for.
public struct StatsQuery: Sendable, Equatable {
    public var since: Timestamp
    public var until: Timestamp
    public var service: String?
    public var drills: DrillFilter

    /// `?drills=`: real incidents only (the default), drills too, or drills only.
    public enum DrillFilter: String, Sendable, Equatable, CaseIterable {
        case exclude, include, only

        public func admits(_ drill: Bool) -> Bool {
            switch self {
            case .exclude: !drill
            case .include: true
            case .only: drill
            }
        }
    }

    public init(since: Timestamp, until: Timestamp, service: String? = nil, drills: DrillFilter = .exclude) {
        self.since = since
        self.until = until
        self.service = service
        self.drills = drills
    }
}
