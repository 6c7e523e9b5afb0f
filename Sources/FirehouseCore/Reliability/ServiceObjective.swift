/// One service's availability objective (`slo.services[]`): e.g. 99.9% over 30 days, charged with
/// the impact of every incident whose alerts match `match`.
public struct ServiceObjective: Sendable, Equatable {
    public var service: String
    /// Percent, e.g. 99.9.
    public var objective: Double
    public var window: TimeSpan
    /// An incident counts when its own labels or any of its alerts' labels match all of these.
    public var match: [LabelMatcher]

    public init(service: String, objective: Double, window: TimeSpan, match: [LabelMatcher]? = nil) {
        self.service = service
        self.objective = objective
        self.window = window
        // `service` is a valid label name and `=` compiles nothing: this matcher cannot fail.
        self.match = match ?? (try? LabelMatcher(name: "service", op: .equal, value: service)).map { [$0] } ?? []
    }

    /// The downtime the objective allows over its window: window × (1 − objective).
    public var allowed: TimeSpan {
        TimeSpan(nanoseconds: Int64((Double(window.nanoseconds) * (100 - objective) / 100).rounded()))
    }

    public func matches(_ record: ImpactRecord) -> Bool {
        record.labelSets.contains { labels in match.allSatisfy { $0.matches(labels) } }
    }
}

/// Where an incident's impact ends (`slo.impact_end`): at mitigation (the default: the users are no
/// longer hurt, the cleanup is not charged), or only at resolution. Either way an incident never
/// mitigated ends at resolution, and one still open is charged up to now.
public enum ImpactEnd: String, Sendable, Equatable, CaseIterable {
    case mitigated, resolved
}

/// The SLO configuration: the services and where impact ends.
public struct SLOPolicy: Sendable, Equatable {
    public var services: [ServiceObjective]
    public var impactEnd: ImpactEnd

    public init(services: [ServiceObjective] = [], impactEnd: ImpactEnd = .mitigated) {
        self.services = services
        self.impactEnd = impactEnd
    }

    /// The longest window: how far back incidents must be read.
    public var longestWindow: TimeSpan { services.map(\.window).max() ?? .seconds(0) }

    public func objective(named service: String) -> ServiceObjective? { services.first { $0.service == service } }
}
