import FirehouseCore
import GRDB

/// Loads what correlation needs, runs the pure correlator, and writes its plan. Runs inside the
/// caller's transaction.
struct IngestWriter {
    let db: Database
    let routes: NotificationRoutes

    func apply(_ notification: AlertmanagerNotification, correlator: Correlator, now: Timestamp,
               runbooks: RunbookLibrary) throws -> [IngestResult] {
        let state = try load(correlator.lookup(for: notification))
        let plan = correlator.correlate(notification, state: state, now: now, runbooks: runbooks)
        return try write(plan)
    }

    // MARK: - Load

    func load(_ lookup: CorrelationLookup) throws -> CorrelationState {
        var state = CorrelationState()
        var incidentIDs = Set<Int64>()
        let episodes = try db.cachedStatement(sql: """
            SELECT id, incident_id, starts_at, status, annotations, generator_url
            FROM alerts WHERE receiver = ? AND fingerprint = ?
            """)
        for fingerprint in lookup.fingerprints {
            for row in try Row.fetchAll(episodes, arguments: [lookup.receiver, fingerprint]) {
                let episode = StoredEpisode(
                    id: row[0], incidentID: row[1], status: AlertStatus(rawValue: row[3]) ?? .firing,
                    annotations: JSONText.decode(row[4]), generatorURL: row[5])
                state.episodes[EpisodeKey(fingerprint: fingerprint, startsAt: Timestamp(nanoseconds: row[2]))] = episode
                incidentIDs.insert(episode.incidentID)
            }
        }
        let active = try db.cachedStatement(sql: """
            SELECT id FROM incidents WHERE correlation_key = ? AND status NOT IN ('resolved', 'closed')
            ORDER BY id DESC LIMIT 1
            """)
        let latest = try db.cachedStatement(sql: """
            SELECT id, status FROM incidents WHERE correlation_key = ? ORDER BY id DESC LIMIT 1
            """)
        for key in lookup.keys {
            if let id = try Int64.fetchOne(active, arguments: [key]) {
                state.activeByKey[key] = id
                incidentIDs.insert(id)
            }
            if let row = try Row.fetchOne(latest, arguments: [key]), row[1] as String == IncidentStatus.resolved.rawValue {
                state.resolvedByKey[key] = row[0]
                incidentIDs.insert(row[0])
            }
        }
        let firing = try db.cachedStatement(sql: "SELECT COUNT(*) FROM alerts WHERE incident_id = ? AND status = 'firing'")
        let reader = IncidentReader(db: db)
        for id in incidentIDs {
            guard let head = try reader.head(id: id) else { continue }
            let count = try Int.fetchOne(firing, arguments: [id]) ?? 0
            state.incidents[id] = IncidentSnapshot(head: head, firingAlerts: count)
            state.attachedRunbooks[id] = Set(try reader.runbookIDs(incidentID: id))
        }
        return state
    }

    // MARK: - Write

    func write(_ plan: CorrelationPlan) throws -> [IngestResult] {
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
            for new in incident.newAlerts { try insert(new, incidentID: id, now: now) }
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
        try db.cachedStatement(sql: """
            INSERT INTO incidents (correlation_key, receiver, title, labels, severity, severity_pinned, status,
                opened_at, acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                head.correlationKey, head.receiver, head.title, JSONText.encode(head.labels), head.severity.rawValue,
                head.severityPinned, m.status.rawValue, head.openedAt.nanoseconds, m.acknowledgedAt?.nanoseconds,
                m.mitigatedAt?.nanoseconds, m.resolvedAt?.nanoseconds, m.closedAt?.nanoseconds,
                head.reopenCount, head.truncatedAlerts, now,
            ])
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

    private func insert(_ new: NewAlert, incidentID: Int64, now: Int64) throws {
        let alert = new.alert
        try db.cachedStatement(sql: """
            INSERT INTO alerts (incident_id, receiver, fingerprint, starts_at, status, ends_at, labels, annotations,
                generator_url, first_seen_at, last_seen_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                incidentID, new.receiver, alert.fingerprint, alert.startsAt.nanoseconds, alert.status.rawValue,
                new.endsAt?.nanoseconds, JSONText.encode(alert.labels), JSONText.encode(alert.annotations),
                alert.generatorURL, now, now,
            ])
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
        try db.cachedStatement(sql: "INSERT INTO timeline (incident_id, at, kind, actor, text, data) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [
                incidentID, entry.at.nanoseconds, entry.kind.rawValue, entry.actor, entry.text, JSONText.encode(entry.data),
            ])
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
