import FirehouseCore
import GRDB

/// Finds unacknowledged incidents the policy says are due and records their escalation (the
/// timeline entry queues the re-notification). Runs inside the caller's transaction.
struct EscalationWriter {
    let db: Database
    let routes: NotificationRoutes

    func escalate(_ policy: EscalationPolicy, now: Timestamp) throws -> [Escalation] {
        // Severity is stored as 1 (SEV1) .. 4, so "at least as severe" is "<=".
        let candidates = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, escalations, escalated_at FROM incidents
            WHERE status NOT IN ('resolved', 'closed') AND acknowledged_at IS NULL AND severity <= ? AND opened_at <= ?
            ORDER BY id
            """), arguments: [policy.minSeverity.rawValue, policy.openedBefore(now).nanoseconds])
        let reader = IncidentReader(db: db)
        var escalated: [Escalation] = []
        for row in candidates {
            let id: Int64 = row[0]
            let record = EscalationPolicy.Record(count: row[1], lastAt: (row[2] as Int64?).map(Timestamp.init(nanoseconds:)))
            guard let head = try reader.head(id: id), let entry = policy.escalation(of: head, record: record, now: now) else { continue }
            try db.execute(sql: "UPDATE incidents SET escalations = escalations + 1, escalated_at = ?, updated_at = ? WHERE id = ?",
                           arguments: [now.nanoseconds, now.nanoseconds, id])
            try IngestWriter(db: db, routes: routes).append(entry, incidentID: id)
            escalated.append(Escalation(head: head, entry: entry))
        }
        return escalated
    }
}
