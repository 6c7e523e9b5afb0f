/// Everything a new incident starts with, written by `StoreTransaction.openIncident` in one call:
/// the head, its alerts, its first timeline entries with their deliveries, and its runbooks.
public struct IncidentOpening: Sendable {
    /// One outbox row: the event of `entries[entry]` for `target`.
    public struct Delivery: Sendable, Equatable {
        public var entry: Int
        public var target: String
        public var event: OutboundEvent

        public init(entry: Int, target: String, event: OutboundEvent) {
            self.entry = entry
            self.target = target
            self.event = event
        }

        /// The outbox row, once the entries have their ids.
        public func queued(entries: [TimelineDraft], timelineIDs: [Int64]) -> QueuedDelivery {
            QueuedDelivery(timelineID: timelineIDs[entry], target: target, event: event, at: entries[entry].at)
        }
    }

    public var head: IncidentHead
    public var alerts: [(alert: NewAlert, stored: PreparedNotification.EncodedAlert)]
    public var entries: [TimelineDraft]
    public var deliveries: [Delivery]
    public var runbooks: [String]
    public var at: Timestamp

    public init(head: IncidentHead, alerts: [(alert: NewAlert, stored: PreparedNotification.EncodedAlert)], entries: [TimelineDraft],
                deliveries: [Delivery], runbooks: [String], at: Timestamp) {
        precondition(deliveries.allSatisfy { entries.indices.contains($0.entry) }, "a delivery of an entry the opening lacks")
        self.head = head
        self.alerts = alerts
        self.entries = entries
        self.deliveries = deliveries
        self.runbooks = runbooks
        self.at = at
    }
}

/// What `openIncident` wrote: the incident's id and its entries' ids, in order.
public struct OpenedIncident: Sendable, Equatable {
    public var id: Int64
    public var timelineIDs: [Int64]

    public init(id: Int64, timelineIDs: [Int64]) {
        self.id = id
        self.timelineIDs = timelineIDs
    }
}
