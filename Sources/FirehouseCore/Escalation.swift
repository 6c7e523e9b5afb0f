/// An incident that just escalated, and the timeline entry that records it.
public struct Escalation: Sendable, Equatable {
    public var head: IncidentHead
    public var entry: TimelineDraft

    public init(head: IncidentHead, entry: TimelineDraft) {
        self.head = head
        self.entry = entry
    }
}
