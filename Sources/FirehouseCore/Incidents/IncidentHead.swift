/// The columns of an incident that correlation reads and writes.
public struct IncidentHead: Sendable, Equatable {
    public var id: Int64
    public var correlationKey: String
    public var receiver: String
    public var title: String
    /// The correlation labels: the values that define which alerts belong here.
    public var labels: LabelSet
    public var severity: Severity
    /// A human chose the severity; alert severities no longer change it.
    public var severityPinned: Bool
    public var milestones: IncidentLifecycle.Milestones
    public var openedAt: Timestamp
    public var reopenCount: Int
    /// The last `truncatedAlerts` seen for this incident, so a repeat does not log it again.
    public var truncatedAlerts: Int
    /// A rehearsal (game day): marked everywhere, left out of statistics and never charged to an
    /// error budget. Set when the incident opens and never changed.
    public var drill: Bool

    public init(id: Int64, correlationKey: String, receiver: String, title: String, labels: LabelSet,
                severity: Severity, severityPinned: Bool = false, milestones: IncidentLifecycle.Milestones,
                openedAt: Timestamp, reopenCount: Int = 0, truncatedAlerts: Int = 0, drill: Bool = false) {
        self.id = id
        self.correlationKey = correlationKey
        self.receiver = receiver
        self.title = title
        self.labels = labels
        self.severity = severity
        self.severityPinned = severityPinned
        self.milestones = milestones
        self.openedAt = openedAt
        self.reopenCount = reopenCount
        self.truncatedAlerts = truncatedAlerts
        self.drill = drill
    }

    public var status: IncidentStatus { milestones.status }
}
