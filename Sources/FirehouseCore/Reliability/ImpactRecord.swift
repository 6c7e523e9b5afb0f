/// An incident as SLO arithmetic sees it: when its impact began and ended, which labels it carries,
/// and whether it was a drill (never charged).
public struct ImpactRecord: Sendable, Equatable {
    public var id: Int64
    public var drill: Bool
    public var status: IncidentStatus
    public var openedAt: Timestamp
    /// The earliest `startsAt` of its alerts (impact began when the alert did, before the incident
    /// opened); nil for a declared incident.
    public var firstAlertAt: Timestamp?
    public var mitigatedAt: Timestamp?
    public var resolvedAt: Timestamp?
    /// The incident's correlation labels and each distinct label set of its alerts.
    public var labelSets: [LabelSet]

    /// `status` defaults to what the milestones say (resolved, mitigated, else triggered).
    public init(id: Int64, drill: Bool = false, status: IncidentStatus? = nil, openedAt: Timestamp, firstAlertAt: Timestamp? = nil,
                mitigatedAt: Timestamp? = nil, resolvedAt: Timestamp? = nil, labelSets: [LabelSet] = []) {
        self.id = id
        self.drill = drill
        self.status = status ?? (resolvedAt != nil ? .resolved : mitigatedAt != nil ? .mitigated : .triggered)
        self.openedAt = openedAt
        self.firstAlertAt = firstAlertAt
        self.mitigatedAt = mitigatedAt
        self.resolvedAt = resolvedAt
        self.labelSets = labelSets
    }

    /// From the first alert's start (or the opening) to mitigation or resolution, per `end`; up to
    /// `now` while it lasts. The status decides what still holds: an incident that went back from
    /// mitigated, or was reopened, keeps its old milestone times but is hurting again, so it is
    /// charged up to now. Empty when the stored times are out of order.
    public func impact(end: ImpactEnd, now: Timestamp) -> Interval {
        let start = min(firstAlertAt ?? openedAt, openedAt)
        let stop: Timestamp = switch (status, end) {
        case (.resolved, .mitigated), (.closed, .mitigated): mitigatedAt ?? resolvedAt ?? now
        case (.resolved, .resolved), (.closed, .resolved): resolvedAt ?? now
        case (.mitigated, .mitigated): mitigatedAt ?? now
        default: now
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
