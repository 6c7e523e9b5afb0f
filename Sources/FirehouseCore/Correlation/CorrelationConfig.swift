/// How alerts are grouped into incidents.
public struct CorrelationConfig: Sendable, Equatable {
    /// Labels whose values form the correlation key; nil means the notification's `groupLabels`.
    public var groupBy: [String]?
    /// A key's resolved incident reopens when a new alert fires within this span of its resolution.
    public var reopenWindow: TimeSpan
    /// Resolve the incident when its last firing alert resolves.
    public var autoResolve: Bool
    public var severity: SeverityMap

    public init(groupBy: [String]? = nil, reopenWindow: TimeSpan = .minutes(30), autoResolve: Bool = true,
                severity: SeverityMap = .default) {
        self.groupBy = groupBy
        self.reopenWindow = reopenWindow
        self.autoResolve = autoResolve
        self.severity = severity
    }
}
