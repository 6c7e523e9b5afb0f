/// How alerts are grouped into incidents.
public struct CorrelationConfig: Sendable, Equatable {
    /// Labels whose values form the correlation key; nil means the notification's `groupLabels`.
    public var groupBy: [String]?
    /// A key's resolved incident reopens when a new alert fires within this span of its resolution.
    public var reopenWindow: TimeSpan
    /// Resolve the incident when its last firing alert resolves.
    public var autoResolve: Bool
    public var severity: SeverityMap
    /// The label (and its value) that marks an alert as a drill's: an incident it opens is a drill.
    public var drillLabel: String
    public var drillValue: String

    public init(groupBy: [String]? = nil, reopenWindow: TimeSpan = .minutes(30), autoResolve: Bool = true,
                severity: SeverityMap = .default, drillLabel: String = "drill", drillValue: String = "true") {
        self.groupBy = groupBy
        self.reopenWindow = reopenWindow
        self.autoResolve = autoResolve
        self.severity = severity
        self.drillLabel = drillLabel
        self.drillValue = drillValue
    }

    /// Whether an alert opens a drill rather than a real incident.
    public func isDrill(_ labels: LabelSet) -> Bool { !drillLabel.isEmpty && labels[drillLabel] == drillValue }
}
