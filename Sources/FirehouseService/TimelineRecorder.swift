import FirehouseCore

/// Writes a timeline entry and, in the same transaction, queues its event for every target that
/// wants it: the rule that no change can skip its notification, kept in one place.
struct TimelineRecorder {
    let tx: any StoreTransaction
    let routes: NotificationRoutes

    func append(_ entry: TimelineDraft, incidentID: Int64) throws {
        let timelineID = try tx.appendTimeline(entry, incidentID: incidentID)
        guard let (event, targets) = routes.targets(for: entry) else { return }
        for target in targets {
            try tx.enqueueDelivery(incidentID: incidentID, timelineID: timelineID, target: target, event: event, at: entry.at)
        }
    }
}
