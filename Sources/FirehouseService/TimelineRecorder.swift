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
        let timelineID = try tx.appendTimeline(entry, incidentID: incidentID)
        if let (event, targets) = routes.targets(for: entry) {
            for target in targets {
                try tx.enqueueDelivery(incidentID: incidentID, timelineID: timelineID, target: target, event: event, at: entry.at)
            }
        }
        recorded.append(RecordedEntry(incidentID: incidentID, timelineID: timelineID, entry: entry))
    }
}
