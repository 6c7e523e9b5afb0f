import FirehouseCore
import GRDB

/// Loads what correlation needs, runs the pure correlator, and writes its plan. Runs inside the
/// caller's transaction.
struct IngestWriter {
    let db: Database
    let routes: NotificationRoutes

    func apply(_ prepared: PreparedNotification, correlator: Correlator, now: Timestamp) throws -> [IngestResult] {
        let notification = prepared.notification
        let state = try load(correlator.lookup(for: notification))
        let plan = correlator.correlate(notification, state: state, now: now, runbooks: prepared.runbooks)
        return try write(plan, prepared: prepared)
    }

    // MARK: - Load

    func load(_ lookup: CorrelationLookup) throws -> CorrelationState {
        var state = CorrelationState()
        var incidentIDs = Set<Int64>()
        // One seek per episode on the UNIQUE (receiver, fingerprint, starts_at) index.
        var episodes = try RawStatement(db, sql: """
            SELECT id, incident_id, status, annotations, generator_url
            FROM alerts WHERE receiver = ? AND fingerprint = ? AND starts_at = ?
            """)
        for key in lookup.episodes {
            episodes.bind(lookup.receiver)
            episodes.bind(key.fingerprint)
            episodes.bind(key.startsAt.nanoseconds)
            while try episodes.next() {
                let episode = StoredEpisode(
                    id: episodes.int64(0), incidentID: episodes.int64(1),
                    status: AlertStatus(rawValue: episodes.text(2)) ?? .firing,
                    annotations: JSONText.decode(episodes.text(3)), generatorURL: episodes.text(4))
                state.episodes[key] = episode
                incidentIDs.insert(episode.incidentID)
            }
        }
        var active = try RawStatement(db, sql: """
            SELECT id FROM incidents WHERE correlation_key = ? AND status NOT IN ('resolved', 'closed')
            ORDER BY id DESC LIMIT 1
            """)
        var latest = try RawStatement(db, sql: "SELECT id, status FROM incidents WHERE correlation_key = ? ORDER BY id DESC LIMIT 1")
        for key in lookup.keys {
            active.bind(key)
            if try active.next() {
                state.activeByKey[key] = active.int64(0)
                incidentIDs.insert(active.int64(0))
                active.reset()
            }
            latest.bind(key)
            if try latest.next() {
                if latest.text(1) == IncidentStatus.resolved.rawValue {
                    state.resolvedByKey[key] = latest.int64(0)
                    incidentIDs.insert(latest.int64(0))
                }
                latest.reset()
            }
        }
        let firing = try db.cachedStatement(sql: "SELECT COUNT(*) FROM alerts WHERE incident_id = ? AND status = 'firing'")
        let reader = IncidentReader(db: db)
        for id in incidentIDs {
            // Foreign keys make this impossible; if it happens anyway, fail this notification (a
            // dead letter) rather than let the correlator meet an incident it was not given.
            guard let head = try reader.head(id: id) else {
                throw NotificationRejected(reason: "stored alerts refer to incident \(id), which does not exist")
            }
            let count = try Int.fetchOne(firing, arguments: [id]) ?? 0
            state.incidents[id] = IncidentSnapshot(head: head, firingAlerts: count)
            state.attachedRunbooks[id] = Set(try reader.runbookIDs(incidentID: id))
        }
        return state
    }

    // MARK: - Write

    func write(_ plan: CorrelationPlan, prepared: PreparedNotification) throws -> [IngestResult] {
        let now = plan.seenAt.nanoseconds
        var results: [IngestResult] = []
        for incident in plan.incidents {
            let id: Int64
            switch incident.ref {
            case .new:
                id = try insert(incident.head, now: now)
            case .existing(let existing):
                id = existing
                if incident.headChanged { try update(incident.head, now: now) }
            }
            for new in incident.newAlerts { try insert(new, stored: prepared.stored(new.alert), incidentID: id, now: now) }
            for change in incident.alertUpdates { try apply(change, now: now) }
            for entry in incident.timeline { try append(entry, incidentID: id) }
            for runbook in incident.attachRunbooks {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO incident_runbooks (incident_id, runbook_id, attached_at) VALUES (?, ?, ?)")
                    .execute(arguments: [id, runbook, now])
            }
            results.append(IngestResult(id: id, action: incident.outcome))
        }
        if !plan.touchedEpisodes.isEmpty {
            let touch = try db.cachedStatement(sql: "UPDATE alerts SET last_seen_at = ? WHERE id = ?")
            for episode in plan.touchedEpisodes { try touch.execute(arguments: [now, episode]) }
        }
        return results
    }

    func insert(_ head: IncidentHead, now: Int64) throws -> Int64 {
        let m = head.milestones
        var insert = try RawStatement(db, sql: """
            INSERT INTO incidents (correlation_key, receiver, title, labels, severity, severity_pinned, status,
                opened_at, acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(head.correlationKey)
        insert.bind(head.receiver)
        insert.bind(head.title)
        insert.bind(JSONText.encode(head.labels))
        insert.bind(head.severity.rawValue)
        insert.bind(head.severityPinned)
        insert.bind(m.status.rawValue)
        insert.bind(head.openedAt.nanoseconds)
        insert.bind(m.acknowledgedAt?.nanoseconds)
        insert.bind(m.mitigatedAt?.nanoseconds)
        insert.bind(m.resolvedAt?.nanoseconds)
        insert.bind(m.closedAt?.nanoseconds)
        insert.bind(head.reopenCount)
        insert.bind(head.truncatedAlerts)
        insert.bind(now)
        try insert.execute()
        return db.lastInsertedRowID
    }

    func update(_ head: IncidentHead, now: Int64) throws {
        let m = head.milestones
        try db.cachedStatement(sql: """
            UPDATE incidents SET title = ?, severity = ?, severity_pinned = ?, status = ?, acknowledged_at = ?,
                mitigated_at = ?, resolved_at = ?, closed_at = ?, reopen_count = ?, truncated_alerts = ?, updated_at = ?
            WHERE id = ?
            """).execute(arguments: [
                head.title, head.severity.rawValue, head.severityPinned, m.status.rawValue,
                m.acknowledgedAt?.nanoseconds, m.mitigatedAt?.nanoseconds, m.resolvedAt?.nanoseconds,
                m.closedAt?.nanoseconds, head.reopenCount, head.truncatedAlerts, now, head.id,
            ])
    }

    private func insert(_ new: NewAlert, stored: PreparedNotification.EncodedAlert, incidentID: Int64, now: Int64) throws {
        let alert = new.alert
        var insert = try RawStatement(db, sql: """
            INSERT INTO alerts (incident_id, receiver, fingerprint, starts_at, status, ends_at, labels, annotations,
                generator_url, first_seen_at, last_seen_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        insert.bind(incidentID)
        insert.bind(new.receiver)
        insert.bind(alert.fingerprint)
        insert.bind(alert.startsAt.nanoseconds)
        insert.bind(alert.status.rawValue)
        insert.bind(new.endsAt?.nanoseconds)
        insert.bind(stored.labels)
        insert.bind(stored.annotations)
        insert.bind(alert.generatorURL)
        insert.bind(now)
        insert.bind(now)
        try insert.execute()
    }

    private func apply(_ change: AlertUpdate, now: Int64) throws {
        try db.cachedStatement(sql: """
            UPDATE alerts SET status = ?, ends_at = ?, annotations = ?, generator_url = ?, last_seen_at = ? WHERE id = ?
            """).execute(arguments: [
                change.status.rawValue, change.endsAt?.nanoseconds, JSONText.encode(change.annotations),
                change.generatorURL, now, change.episodeID,
            ])
    }

    /// Writes a timeline entry and, in the same transaction, queues its event for every target
    /// that wants it: the only place either happens, so no change can skip its notification.
    func append(_ entry: TimelineDraft, incidentID: Int64) throws {
        var insert = try RawStatement(db, sql: "INSERT INTO timeline (incident_id, at, kind, actor, text, data) VALUES (?, ?, ?, ?, ?, ?)")
        insert.bind(incidentID)
        insert.bind(entry.at.nanoseconds)
        insert.bind(entry.kind.rawValue)
        insert.bind(entry.actor)
        insert.bind(entry.text)
        insert.bind(JSONText.encode(entry.data))
        try insert.execute()
        guard let (event, targets) = routes.targets(for: entry) else { return }
        let timelineID = db.lastInsertedRowID
        let enqueue = try db.cachedStatement(sql: """
            INSERT INTO outbox (incident_id, timeline_id, target, event, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)
            """)
        for target in targets {
            try enqueue.execute(arguments: [incidentID, timelineID, target, event.rawValue, entry.at.nanoseconds, entry.at.nanoseconds])
        }
    }
}
