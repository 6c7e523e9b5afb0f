/// An incident that just escalated, and the timeline entry that records it.
public struct Escalation: Sendable, Equatable {
    public var head: IncidentHead
    public var entry: TimelineDraft

    public init(head: IncidentHead, entry: TimelineDraft) {
        self.head = head
        self.entry = entry
    }
}

extension Escalation {
    /// Which escalation of the incident this is (1 for the first).
    public var count: Int {
        if case .escalated(let count, _, _) = entry.event { count } else { 1 }
    }
}
