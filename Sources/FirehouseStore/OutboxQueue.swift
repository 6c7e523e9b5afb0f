import FirehouseCore
import GRDB

/// The outbox's reads and state changes; runs inside the caller's transaction.
struct OutboxQueue {
    let db: Database
    let routes: NotificationRoutes

    /// The oldest pending delivery of each target, if it is due: a target's messages go out in
    /// order, and one whose receiver is down waits without holding up the others. Rows naming an
    /// event this version does not know (written by a newer one) come back in `unknown`. Only
    /// rows up to `through` (the durable watermark) are considered: a target whose head is past
    /// it has nothing due yet, so its order is kept.
    func due(now: Timestamp, through: Int64 = .max, target: String? = nil) throws -> (deliveries: [PendingDelivery], unknown: [Int64]) {
        let heads: [Int64]
        if let target {
            // fetchOne is nil for MIN over no rows (NULL).
            let head = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(id) FROM outbox WHERE state = 'pending' AND target = ?"),
                                          arguments: [target])
            heads = head.map { $0 <= through ? [$0] : [] } ?? []
        } else {
            heads = try Int64.fetchAll(db.cachedStatement(sql: "SELECT MIN(id) FROM outbox WHERE state = 'pending' GROUP BY target"))
                .filter { $0 <= through }
        }
        let load = try db.cachedStatement(sql: """
            SELECT o.id, o.target, o.event, o.attempts, o.incident_id, t.id, t.at, t.kind, t.actor, t.text, t.data
            FROM outbox o JOIN timeline t ON t.id = o.timeline_id
            WHERE o.id = ? AND o.next_attempt_at <= ?
            """)
        let reader = IncidentReader(db: db)
        var due: [PendingDelivery] = []
        var unknown: [Int64] = []
        for id in heads {
            guard let row = try Row.fetchOne(load, arguments: [id, now.nanoseconds]) else { continue }
            guard let event = OutboundEvent(rawValue: row[2]) else {
                unknown.append(id)
                continue
            }
            guard let head = try reader.head(id: row[4]) else { continue }
            due.append(PendingDelivery(
                id: row[0], target: row[1], event: event, attempts: row[3], incident: try reader.summary(of: head),
                entry: TimelineEntry(id: row[5], at: Timestamp(nanoseconds: row[6]), kind: row[7], actor: row[8],
                                     text: row[9], data: JSONText.decode(row[10]))))
        }
        return (due, unknown)
    }

    /// Records an attempt. A final failure also goes on the incident's timeline. Finishing a row
    /// that is no longer pending does nothing, so a late duplicate report cannot undo a delivery.
    /// Returns the timeline entry written, if any.
    @discardableResult
    func finish(_ id: Int64, _ decision: DeliveryPolicy.Decision, now: Timestamp) throws -> TimelineDraft? {
        switch decision {
        case .delivered:
            try db.execute(sql: """
                UPDATE outbox SET state = 'delivered', attempts = attempts + 1, finished_at = ?, last_error = NULL
                WHERE id = ? AND state = 'pending'
                """, arguments: [now.nanoseconds, id])
            return nil
        case .retry(let at, let reason):
            try db.execute(sql: """
                UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'
                """, arguments: [at.nanoseconds, reason, id])
            return nil
        case .failed(let reason):
            try db.execute(sql: """
                UPDATE outbox SET state = 'failed', attempts = attempts + 1, finished_at = ?, last_error = ?
                WHERE id = ? AND state = 'pending'
                """, arguments: [now.nanoseconds, reason, id])
            guard db.changesCount > 0,
                  let row = try Row.fetchOne(db, sql: "SELECT incident_id, target, event, attempts FROM outbox WHERE id = ?", arguments: [id])
            else { return nil }
            let (target, event): (String, String) = (row[1], row[2])
            let entry = TimelineDraft(
                at: now, kind: .notificationFailed, actor: SystemActor.firehouse,
                text: "notification \(event) to \(target) failed: \(reason)",
                data: ["target": target, "event": event, "attempts": String(row[3] as Int), "delivery": String(id)])
            try IngestWriter(db: db, routes: routes).append(entry, incidentID: row[0])
            return entry
        }
    }

    /// Deletes delivered rows finished before `cutoff`; failed rows stay as the record of failures.
    func prune(finishedBefore cutoff: Timestamp) throws -> Int {
        try db.execute(sql: "DELETE FROM outbox WHERE state = 'delivered' AND finished_at < ?", arguments: [cutoff.nanoseconds])
        return db.changesCount
    }

    /// Pending and failed deliveries per target.
    func depth() throws -> [OutboxDepth] {
        // Two partial-index counts: delivered rows (the bulk of the table) are never scanned.
        var depths: [String: OutboxDepth] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT target, COUNT(*) FROM outbox WHERE state = 'pending' GROUP BY target") {
            depths[row[0], default: OutboxDepth(target: row[0], pending: 0, failed: 0)].pending = row[1]
        }
        for row in try Row.fetchAll(db, sql: "SELECT target, COUNT(*) FROM outbox WHERE state = 'failed' GROUP BY target") {
            depths[row[0], default: OutboxDepth(target: row[0], pending: 0, failed: 0)].failed = row[1]
        }
        return depths.values.sorted { $0.target < $1.target }
    }
}
