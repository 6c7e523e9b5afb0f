import FirehouseCore

/// Hears every timeline entry once the transaction that wrote it has committed (never one that
/// rolled back): metrics count transitions here, whichever use case made them.
public protocol TimelineObserver: Sendable {
    func committed(_ entries: [RecordedEntry])
}

/// A timeline entry as written: its incident, its row id and what it says.
public struct RecordedEntry: Sendable, Equatable {
    public let incidentID: Int64
    public let timelineID: Int64
    public let entry: TimelineDraft

    public init(incidentID: Int64, timelineID: Int64, entry: TimelineDraft) {
        self.incidentID = incidentID
        self.timelineID = timelineID
        self.entry = entry
    }
}

/// Hears nothing: the default where no one is listening.
public struct NoTimelineObserver: TimelineObserver {
    public init() {}
    public func committed(_ entries: [RecordedEntry]) {}
}
