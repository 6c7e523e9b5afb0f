import FirehouseCore
import FirehouseService
import Hummingbird

/// `GET /api/v1/stats?since=RFC3339&until=RFC3339&service=NAME` (default window: the last 30 days).
struct StatsController: Sendable {
    let repository: any IncidentUseCases
    let clock: any WallClock

    func addRoutes(to routes: Routes) {
        routes.get("/api/v1/stats", .api(.read), use: stats)
    }

    @Sendable func stats(_ request: Request, context: FirehouseContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        func time(_ name: Substring) throws -> Timestamp? {
            guard let text = parameters[name].map(String.init) else { return nil }
            guard let value = Timestamp(rfc3339: text) else {
                throw APIError.badRequest("\(name): expected an RFC 3339 time \(Timestamp.representableText)")
            }
            return value
        }
        // Without an explicit end the window includes the present moment.
        let until = try time("until") ?? (clock.now() + TimeSpan(nanoseconds: 1))
        let since = try time("since") ?? (until - TimeSpan.seconds(30 * 86_400))
        guard since < until else { throw APIError.badRequest("since: must be before until") }
        let service = parameters["service"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        var drills = StatsQuery.DrillFilter.exclude
        if let text = parameters["drills"].map(String.init) {
            guard let filter = text == "exclude" ? .exclude : StatsQuery.DrillFilter(rawValue: text) else {
                throw APIError.badRequest("drills: expected only, include or exclude")
            }
            drills = filter
        }
        let query = StatsQuery(since: since, until: until, service: service, drills: drills)
        let stats = try await repository.stats(query)
        return JSONResponse.make(StatsJSON(query: query, stats: stats))
    }
}

/// Durations are in seconds (floating point), null when there is nothing to measure.
struct StatsJSON: Encodable {
    var query: StatsQuery
    var stats: IncidentStats

    private enum Keys: String, CodingKey {
        case since, until, service, total, bySeverity, byStatus, timeToAcknowledge, timeToMitigate, timeToResolve
        case meanTimeBetweenIncidents, noisiestAlertnames, byService, perDay, drills, reliability
    }

    /// MTBF, MTTR and availability of one service over the window.
    struct ReliabilityJSON: Encodable {
        var failures: Int
        var downtimeSeconds: Double
        var uptimeSeconds: Double
        var mtbfSeconds: Double
        var mttrSeconds: Double
        var availability: Double

        init(_ r: IncidentStats.Reliability) {
            failures = r.failures
            downtimeSeconds = seconds(r.downtime)
            uptimeSeconds = seconds(r.uptime)
            mtbfSeconds = seconds(r.mtbf)
            mttrSeconds = seconds(r.mttr)
            availability = BudgetJSON.rounded(r.availability)
        }
    }

    struct DayJSON: Encodable {
        var day: String
        var incidents: Int
    }

    struct DistributionJSON: Encodable {
        var d: IncidentStats.Distribution
        private enum Keys: String, CodingKey { case count, meanSeconds, p50Seconds, p90Seconds }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(d.count, forKey: .count)
            try c.encode(d.mean.map(seconds), forKey: .meanSeconds)
            try c.encode(d.p50.map(seconds), forKey: .p50Seconds)
            try c.encode(d.p90.map(seconds), forKey: .p90Seconds)
        }
    }

    struct NoisyJSON: Encodable {
        var alertname: String
        var incidents: Int
        var flaps: Int
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(query.since, forKey: .since)
        try c.encode(query.until, forKey: .until)
        try c.encode(query.service, forKey: .service)
        try c.encode(query.drills.rawValue, forKey: .drills)
        try c.encode(stats.total, forKey: .total)
        try c.encode(stats.bySeverity, forKey: .bySeverity)
        try c.encode(stats.byStatus, forKey: .byStatus)
        try c.encode(DistributionJSON(d: stats.timeToAcknowledge), forKey: .timeToAcknowledge)
        try c.encode(DistributionJSON(d: stats.timeToMitigate), forKey: .timeToMitigate)
        try c.encode(DistributionJSON(d: stats.timeToResolve), forKey: .timeToResolve)
        try c.encode(stats.meanTimeBetweenIncidents.mapValues(seconds), forKey: .meanTimeBetweenIncidents)
        try c.encode(stats.noisiestAlertnames.map { NoisyJSON(alertname: $0.alertname, incidents: $0.incidents, flaps: $0.flaps) },
                     forKey: .noisiestAlertnames)
        try c.encode(stats.byService, forKey: .byService)
        try c.encode(stats.perDay.map { DayJSON(day: $0.day, incidents: $0.incidents) }, forKey: .perDay)
        try c.encode(stats.reliability.mapValues(ReliabilityJSON.init), forKey: .reliability)
    }
}

private func seconds(_ span: TimeSpan) -> Double { Double(span.nanoseconds) / 1e9 }
