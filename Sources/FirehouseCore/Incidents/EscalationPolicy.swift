/// When an unacknowledged incident re-notifies: at least `minSeverity`, still active, nobody has
/// acknowledged it `after` its opening; then again every `repeatEvery` (if set) until someone does.
public struct EscalationPolicy: Sendable, Equatable {
    public var after: TimeSpan
    public var minSeverity: Severity
    public var repeatEvery: TimeSpan?

    public init(after: TimeSpan, minSeverity: Severity, repeatEvery: TimeSpan? = nil) {
        self.after = after
        self.minSeverity = minSeverity
        self.repeatEvery = repeatEvery
    }

    /// How often an incident has escalated, and when last.
    public struct Record: Sendable, Equatable {
        public var count: Int
        public var lastAt: Timestamp?
        public init(count: Int = 0, lastAt: Timestamp? = nil) {
            self.count = count
            self.lastAt = lastAt
        }
    }

    /// The oldest `opened_at` that can be due now: lets the store skip younger incidents.
    public func openedBefore(_ now: Timestamp) -> Timestamp { now - after }

    /// The timeline entry to write if the incident escalates now, else nil.
    public func escalation(of head: IncidentHead, record: Record, now: Timestamp) -> TimelineDraft? {
        guard head.status.isActive, head.milestones.acknowledgedAt == nil, head.severity >= minSeverity,
              now - head.openedAt >= after else { return nil }
        if record.count > 0 {
            guard let repeatEvery, let last = record.lastAt, now - last >= repeatEvery else { return nil }
        }
        let count = record.count + 1
        let waited = (now - head.openedAt).humanReadable
        return TimelineDraft(
            at: now, actor: SystemActor.firehouse,
            text: "escalated: \(head.severity.name) not acknowledged \(waited) after opening"
                + (count > 1 ? " (escalation \(count))" : ""),
            event: .escalated(escalation: count, severity: head.severity, unacknowledgedFor: waited))
    }
}
