/// An incident as SLO arithmetic sees it: when its impact began and ended, which labels it carries,
/// and whether it was a drill (never charged).
public struct ImpactRecord: Sendable, Equatable {
    public var id: Int64
    public var drill: Bool
    public var openedAt: Timestamp
    /// The earliest `startsAt` of its alerts (impact began when the alert did, before the incident
    /// opened); nil for a declared incident.
    public var firstAlertAt: Timestamp?
    public var mitigatedAt: Timestamp?
    public var resolvedAt: Timestamp?
    /// The incident's correlation labels and each distinct label set of its alerts.
    public var labelSets: [LabelSet]

    public init(id: Int64, drill: Bool = false, openedAt: Timestamp, firstAlertAt: Timestamp? = nil, mitigatedAt: Timestamp? = nil,
                resolvedAt: Timestamp? = nil, labelSets: [LabelSet] = []) {
        self.id = id
        self.drill = drill
        self.openedAt = openedAt
        self.firstAlertAt = firstAlertAt
        self.mitigatedAt = mitigatedAt
        self.resolvedAt = resolvedAt
        self.labelSets = labelSets
    }

    /// From the first alert's start (or the opening) to mitigation or resolution, per `end`; up to
    /// `now` while it lasts. Empty when the stored times are out of order.
    public func impact(end: ImpactEnd, now: Timestamp) -> Interval {
        let start = min(firstAlertAt ?? openedAt, openedAt)
        let stop: Timestamp = switch end {
        case .mitigated: mitigatedAt ?? resolvedAt ?? now
        case .resolved: resolvedAt ?? now
        }
        return Interval(start: start, end: max(start, min(stop, now)))
    }
}

/// A half-open span of time, [start, end).
public struct Interval: Sendable, Equatable {
    public var start: Timestamp
    public var end: Timestamp

    public init(start: Timestamp, end: Timestamp) {
        self.start = start
        self.end = end
    }

    public var length: TimeSpan { end > start ? end - start : .seconds(0) }

    public func clipped(to other: Interval) -> Interval {
        let s = max(start, other.start)
        return Interval(start: s, end: max(s, min(end, other.end)))
    }
}
