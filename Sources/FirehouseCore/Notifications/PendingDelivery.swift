/// An outbox row due for delivery, with what its message is rendered from.
public struct PendingDelivery: Sendable, Equatable {
    public var id: Int64
    public var target: String
    public var event: OutboundEvent
    /// Failed attempts so far.
    public var attempts: Int
    /// The incident as it is now (the message shows current status and counts).
    public var incident: IncidentSummary
    /// The timeline entry that raised the event (what happened, by whom, when).
    public var entry: TimelineEntry

    public init(id: Int64, target: String, event: OutboundEvent, attempts: Int, incident: IncidentSummary, entry: TimelineEntry) {
        self.id = id
        self.target = target
        self.event = event
        self.attempts = attempts
        self.incident = incident
        self.entry = entry
    }
}

/// How many deliveries wait, per target, and how many gave up.
public struct OutboxDepth: Sendable, Equatable {
    public var target: String
    public var pending: Int
    public var failed: Int

    public init(target: String, pending: Int, failed: Int) {
        self.target = target
        self.pending = pending
        self.failed = failed
    }
}
