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
        let deliveries = deliveries(for: entries).map { $0.queued(entries: entries, timelineIDs: ids) }
        if !deliveries.isEmpty { try tx.enqueueDeliveries(deliveries, incidentID: incidentID) }
        record(entries, ids: ids, incidentID: incidentID)
    }

    /// A new incident with its alerts, first entries (and their deliveries) and runbooks; its id.
    func open(_ head: IncidentHead, alerts: [(alert: NewAlert, stored: PreparedNotification.EncodedAlert)],
              entries: [TimelineDraft], runbooks: [String], at: Timestamp) throws -> Int64 {
        let opened = try tx.openIncident(IncidentOpening(head: head, alerts: alerts, entries: entries,
                                                         deliveries: deliveries(for: entries), runbooks: runbooks, at: at))
        record(entries, ids: opened.timelineIDs, incidentID: opened.id)
        return opened.id
    }

    /// Each entry's event for every target that wants it, by the entry's index.
    private func deliveries(for entries: [TimelineDraft]) -> [IncidentOpening.Delivery] {
        var deliveries: [IncidentOpening.Delivery] = []
        for (index, entry) in entries.enumerated() {
            guard let (event, targets) = routes.targets(for: entry) else { continue }
            for target in targets { deliveries.append(.init(entry: index, target: target, event: event)) }
        }
        return deliveries
    }

    private func record(_ entries: [TimelineDraft], ids: [Int64], incidentID: Int64) {
        for (entry, timelineID) in zip(entries, ids) {
            recorded.append(RecordedEntry(incidentID: incidentID, timelineID: timelineID, entry: entry))
        }
    }
}
