import FirehouseCore

/// Writes a timeline entry and, in the same transaction, queues its event for every target that
/// wants it: the rule that no change can skip its notification, kept in one place. It keeps what it
/// wrote so the service can tell its observer once the transaction has committed.
final class TimelineRecorder {
    let tx: any StoreTransaction
    let routes: NotificationRoutes
    private(set) var recorded: [RecordedEntry] = []

    init(tx: any StoreTransaction, routes: NotificationRoutes) {
        self.tx = tx
        self.routes = routes
    }

    func append(_ entry: TimelineDraft, incidentID: Int64) throws {
        try append([entry], incidentID: incidentID)
    }

    /// Several entries of one incident: one batch of timeline rows, then one of outbox rows.
    func append(_ entries: [TimelineDraft], incidentID: Int64) throws {
        guard !entries.isEmpty else { return }
        let ids = try tx.appendTimeline(entries, incidentID: incidentID)
        var deliveries: [QueuedDelivery] = []
        for (entry, timelineID) in zip(entries, ids) {
            if let (event, targets) = routes.targets(for: entry) {
                for target in targets { deliveries.append(QueuedDelivery(timelineID: timelineID, target: target, event: event, at: entry.at)) }
            }
            recorded.append(RecordedEntry(incidentID: incidentID, timelineID: timelineID, entry: entry))
        }
        if !deliveries.isEmpty { try tx.enqueueDeliveries(deliveries, incidentID: incidentID) }
    }
}
