/// Error budget arithmetic. Pure: given the objective, the incidents and now.
///
/// - allowed = window × (1 − objective)
/// - consumed = the union of the matching incidents' impact intervals within [now − window, now]:
///   overlapping incidents of one service are charged once, the overlap to the one that began first
/// - remaining = allowed − consumed (negative once overspent); remainingRatio = remaining / allowed
/// - availability = 1 − consumed / window, in percent like the objective
/// - burnRate = (downtime in the last hour / 1 h) / (1 − objective): 1 spends the budget exactly
///   over the window, 14.4 spends 2% of a 30-day budget in an hour (the usual page)
public enum ErrorBudget {
    public struct Charge: Sendable, Equatable {
        public var id: Int64
        public var charged: TimeSpan

        public init(id: Int64, charged: TimeSpan) {
            self.id = id
            self.charged = charged
        }
    }

    public struct Report: Sendable, Equatable {
        public var objective: ServiceObjective
        public var consumed: TimeSpan
        public var burnRate: Double
        /// The matching incidents whose impact reaches into the window, in the order they began;
        /// one wholly overlapped by an earlier one is charged 0.
        public var incidents: [Charge]

        public var allowed: TimeSpan { objective.allowed }
        public var remaining: TimeSpan { allowed - consumed }
        public var remainingRatio: Double { allowed.nanoseconds > 0 ? Double(remaining.nanoseconds) / Double(allowed.nanoseconds) : 0 }
        public var availability: Double {
            objective.window.nanoseconds > 0 ? 100 * (1 - Double(consumed.nanoseconds) / Double(objective.window.nanoseconds)) : 100
        }
    }

    /// The lookback of `burnRate`.
    public static let burnWindow = TimeSpan.hours(1)

    public static func report(_ objective: ServiceObjective, records: [ImpactRecord], end: ImpactEnd, now: Timestamp) -> Report {
        let impacts = records.filter { !$0.drill && objective.matches($0) }.map { (id: $0.id, span: $0.impact(end: end, now: now)) }
        let charges = charge(impacts, within: Interval(start: now - objective.window, end: now))
        let consumed = charges.reduce(TimeSpan.seconds(0)) { $0 + $1.charged }
        let lastHour = charge(impacts, within: Interval(start: now - burnWindow, end: now)).reduce(TimeSpan.seconds(0)) { $0 + $1.charged }
        let budgetFraction = (100 - objective.objective) / 100
        let burn = budgetFraction > 0 ? (Double(lastHour.nanoseconds) / Double(burnWindow.nanoseconds)) / budgetFraction : 0
        let window = Interval(start: now - objective.window, end: now)
        let inWindow = Set(impacts.filter { $0.span.clipped(to: window).length.nanoseconds > 0 }.map(\.id))
        return Report(objective: objective, consumed: consumed, burnRate: burn, incidents: charges.filter { inWindow.contains($0.id) })
    }

    /// Each interval clipped to `window` and charged only for time no earlier-starting interval
    /// covered (ordered by when they really began, not where the window cuts them); the charges add
    /// up to the length of the union.
    public static func charge(_ intervals: [(id: Int64, span: Interval)], within window: Interval) -> [Charge] {
        let sorted = intervals.sorted { ($0.span.start, $0.id) < ($1.span.start, $1.id) }
        var covered = window.start
        return sorted.map { item in
            let span = item.span.clipped(to: window)
            let from = max(span.start, covered)
            let charged = span.end > from ? span.end - from : TimeSpan.seconds(0)
            covered = max(covered, span.end)
            return Charge(id: item.id, charged: charged)
        }
    }
}
