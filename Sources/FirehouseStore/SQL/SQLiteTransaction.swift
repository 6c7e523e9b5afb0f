import FirehouseCore
import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The storage primitives as SQLite statements on one connection, inside the caller's transaction
/// (or snapshot, for reads). Hot statements go through `RawStatement` or GRDB's statement cache.
struct SQLiteTransaction: StoreTransaction {
    let db: Database

    private var reader: IncidentReader { IncidentReader(db: db) }

    // MARK: - Reads

    func head(id: Int64) throws -> IncidentHead? { try reader.head(id: id) }
    func summary(of head: IncidentHead) throws -> IncidentSummary { try reader.summary(of: head) }
    func detail(id: Int64) throws -> IncidentDetail? { try reader.detail(id: id) }
    func page(_ query: IncidentQuery) throws -> IncidentPage { try reader.page(query) }
    func timeline(incidentID: Int64) throws -> [TimelineEntry] { try reader.timeline(incidentID: incidentID) }
    func roles(incidentID: Int64) throws -> [RoleAssignment] { try reader.roles(incidentID: incidentID) }
    func runbookIDs(incidentID: Int64) throws -> [String] { try reader.runbookIDs(incidentID: incidentID) }

    func postmortem(incidentID: Int64, version: Int?) throws -> StoredPostmortem? {
        try reader.postmortem(incidentID: incidentID, version: version)
    }

    func statsRecords(_ query: StatsQuery) throws -> [StatsRecord] { try StatsReader(db: db).records(query) }

    func openIncidentCounts() throws -> [OpenIncidentCount] {
        try Row.fetchAll(db, sql: """
            SELECT severity, status, COUNT(*) FROM incidents WHERE status NOT IN ('resolved', 'closed') GROUP BY 1, 2
            """).compactMap { row in
            guard let severity = Severity(rawValue: row[0]), let status = IncidentStatus(rawValue: row[1]) else { return nil }
            return OpenIncidentCount(severity: severity, status: status, count: row[2])
        }
    }

    func incidentCountsByStatus() throws -> [IncidentStatus: Int] {
        var counts: [IncidentStatus: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) FROM incidents GROUP BY 1") {
            if let status = IncidentStatus(rawValue: row[0]) { counts[status] = row[1] }
        }
        return counts
    }

    func episodes(receiver: String, keys: Set<EpisodeKey>) throws -> [EpisodeKey: StoredEpisode] {
        var found: [EpisodeKey: StoredEpisode] = [:]
        // One seek per episode on the UNIQUE (receiver, fingerprint, starts_at) index.
        var episodes = try RawStatement(db, sql: """
            SELECT id, incident_id, status, annotations, generator_url
            FROM alerts WHERE receiver = ? AND fingerprint = ? AND starts_at = ?
            """)
        for key in keys {
            episodes.bind(receiver)
            episodes.bind(key.fingerprint)
            episodes.bind(key.startsAt.nanoseconds)
            while try episodes.next() {
                found[key] = StoredEpisode(
                    id: episodes.int64(0), incidentID: episodes.int64(1),
                    status: AlertStatus(rawValue: episodes.text(2)) ?? .firing,
                    annotations: JSONText.decode(episodes.text(3)), generatorURL: episodes.text(4))
            }
        }
        return found
    }

    func activeIncident(correlationKey: String) throws -> Int64? {
        var active = try RawStatement(db, sql: """
            SELECT id FROM incidents WHERE correlation_key = ? AND status NOT IN ('resolved', 'closed')
            ORDER BY id DESC LIMIT 1
            """)
        active.bind(correlationKey)
        guard try active.next() else { return nil }
        defer { active.reset() }
        return active.int64(0)
    }

    func latestIncident(correlationKey: String) throws -> (id: Int64, status: IncidentStatus)? {
        var latest = try RawStatement(db, sql: "SELECT id, status FROM incidents WHERE correlation_key = ? ORDER BY id DESC LIMIT 1")
        latest.bind(correlationKey)
        guard try latest.next() else { return nil }
        defer { latest.reset() }
        return (latest.int64(0), IncidentStatus(rawValue: latest.text(1)) ?? .triggered)
    }

    func firingAlertCount(incidentID: Int64) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM alerts WHERE incident_id = ? AND status = 'firing'"),
                         arguments: [incidentID]) ?? 0
    }

    func activeSilences(incidentID: Int64, now: Timestamp) throws -> [RecordedSilence] {
        try Row.fetchAll(db, sql: """
            SELECT silence_id, matchers, ends_at, created_by FROM silences
            WHERE incident_id = ? AND expired_at IS NULL AND ends_at > ? ORDER BY id
            """, arguments: [incidentID, now.nanoseconds]).map {
            RecordedSilence(silenceID: $0[0], matchers: JSONText.decode($0[1]), endsAt: Timestamp(nanoseconds: $0[2]), createdBy: $0[3])
        }
    }

    func escalationCandidates(minSeverity: Severity, openedBefore: Timestamp) throws -> [EscalationCandidate] {
        // Severity is stored as 1 (SEV1) .. 4, so "at least as severe" is "<=".
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, escalations, escalated_at FROM incidents
            WHERE status NOT IN ('resolved', 'closed') AND acknowledged_at IS NULL AND severity <= ? AND opened_at <= ?
            ORDER BY id
            """), arguments: [minSeverity.rawValue, openedBefore.nanoseconds]).map { row in
            EscalationCandidate(incidentID: row[0], record: .init(count: row[1],
                                                                  lastAt: (row[2] as Int64?).map(Timestamp.init(nanoseconds:))))
        }
    }

    func outboxHeads(target: String?, through: Int64) throws -> [Int64] {
        if let target {
            // fetchOne is nil for MIN over no rows (NULL).
            let head = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MIN(id) FROM outbox WHERE state = 'pending' AND target = ?"),
                                          arguments: [target])
            return head.map { $0 <= through ? [$0] : [] } ?? []
        }
        return try Int64.fetchAll(db.cachedStatement(sql: "SELECT MIN(id) FROM outbox WHERE state = 'pending' GROUP BY target"))
            .filter { $0 <= through }
    }

    func outboxRow(id: Int64, dueBy now: Timestamp) throws -> OutboxRow? {
        let load = try db.cachedStatement(sql: """
            SELECT o.id, o.target, o.event, o.attempts, o.incident_id, t.id, t.at, t.kind, t.actor, t.text, t.data
            FROM outbox o JOIN timeline t ON t.id = o.timeline_id
            WHERE o.id = ? AND o.state = 'pending' AND o.next_attempt_at <= ?
            """)
        guard let row = try Row.fetchOne(load, arguments: [id, now.nanoseconds]) else { return nil }
        return OutboxRow(id: row[0], target: row[1], event: row[2], attempts: row[3], incidentID: row[4],
                         entry: IncidentReader.entry(id: row[5], at: row[6], kind: row[7], actor: row[8], text: row[9], data: row[10]))
    }

    func outboxDepth() throws -> [OutboxDepth] {
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

    func openingCount(target: String, since: Timestamp) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM outbox WHERE event = 'opened' AND target = ? AND created_at >= ?"),
                         arguments: [target, since.nanoseconds]) ?? 0
    }

    func pendingOpenings(target: String, through: Int64, limit: Int) throws -> [(id: Int64, at: Timestamp)] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, created_at FROM outbox WHERE state = 'pending' AND target = ? AND event = 'opened' AND id <= ? ORDER BY id LIMIT ?
            """), arguments: [target, through, limit]).map { (id: $0[0], at: Timestamp(nanoseconds: $0[1])) }
    }

    func impactRecords(endingAfter since: Timestamp) throws -> [ImpactRecord] {
        var records: [Int64: ImpactRecord] = [:]
        var order: [Int64] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT id, drill, opened_at, mitigated_at, resolved_at, labels,
                (SELECT MIN(starts_at) FROM alerts WHERE alerts.incident_id = incidents.id), status
            FROM incidents WHERE resolved_at IS NULL OR resolved_at >= ? OR status NOT IN ('resolved', 'closed') ORDER BY id
            """, arguments: [since.nanoseconds]) {
            func time(_ i: Int) -> Timestamp? { (row[i] as Int64?).map(Timestamp.init(nanoseconds:)) }
            let id: Int64 = row[0]
            records[id] = ImpactRecord(id: id, drill: row[1], status: IncidentStatus(rawValue: row[7]) ?? .triggered,
                                       openedAt: Timestamp(nanoseconds: row[2]), firstAlertAt: time(6),
                                       mitigatedAt: time(3), resolvedAt: time(4), labelSets: [JSONText.decode(row[5])])
            order.append(id)
        }
        for id in order {
            for text in try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT labels FROM alerts WHERE incident_id = ?"),
                                            arguments: [id]) {
                records[id]!.labelSets.append(JSONText.decode(text))
            }
        }
        return order.compactMap { records[$0] }
    }

    func heartbeat(name: String) throws -> Timestamp? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT last_seen_at FROM heartbeats WHERE name = ?"), arguments: [name])
            .map(Timestamp.init(nanoseconds:))
    }

    func chatThread(incidentID: Int64, target: String) throws -> ChatThread? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT channel, ts FROM chat_threads WHERE incident_id = ? AND target = ?"),
                         arguments: [incidentID, target]).map { ChatThread(channel: $0[0], ts: $0[1]) }
    }

    func deadLetters(limit: Int) throws -> [DeadLetter] {
        try Row.fetchAll(db, sql: """
            SELECT id, receiver, group_key, error, first_seen_at, last_seen_at, attempts, body
            FROM dead_letters ORDER BY id DESC LIMIT ?
            """, arguments: [limit]).map { row in
            let body: Data = row[7]
            return DeadLetter(id: row[0], receiver: row[1], groupKey: row[2], error: row[3],
                              firstSeenAt: Timestamp(nanoseconds: row[4]), lastSeenAt: Timestamp(nanoseconds: row[5]),
                              attempts: row[6], body: String(decoding: body, as: UTF8.self))
        }
    }

    // MARK: - Writes

    /// The single writer already runs one transaction at a time.
    func lockCorrelationKeys(_ keys: [String]) throws {}

    func insertIncident(_ head: IncidentHead, at: Timestamp) throws -> Int64 {
        let m = head.milestones
        var insert = try RawStatement(db, sql: """
            INSERT INTO incidents (correlation_key, receiver, title, labels, severity, severity_pinned, status,
                opened_at, acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts, updated_at, drill)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
        insert.bind(at.nanoseconds)
        insert.bind(head.drill)
        try insert.execute()
        return db.lastInsertedRowID
    }

    func updateIncident(_ head: IncidentHead, at: Timestamp) throws {
        let m = head.milestones
        try db.cachedStatement(sql: """
            UPDATE incidents SET title = ?, severity = ?, severity_pinned = ?, status = ?, acknowledged_at = ?,
                mitigated_at = ?, resolved_at = ?, closed_at = ?, reopen_count = ?, truncated_alerts = ?, updated_at = ?
            WHERE id = ?
            """).execute(arguments: [
                head.title, head.severity.rawValue, head.severityPinned, m.status.rawValue,
                m.acknowledgedAt?.nanoseconds, m.mitigatedAt?.nanoseconds, m.resolvedAt?.nanoseconds,
                m.closedAt?.nanoseconds, head.reopenCount, head.truncatedAlerts, at.nanoseconds, head.id,
            ])
    }

    func insertAlert(_ new: NewAlert, stored: PreparedNotification.EncodedAlert, incidentID: Int64, at: Timestamp) throws {
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
        insert.bind(at.nanoseconds)
        insert.bind(at.nanoseconds)
        try insert.execute()
    }

    func updateAlert(_ change: AlertUpdate, at: Timestamp) throws {
        try db.cachedStatement(sql: """
            UPDATE alerts SET status = ?, ends_at = ?, annotations = ?, generator_url = ?, last_seen_at = ? WHERE id = ?
            """).execute(arguments: [
                change.status.rawValue, change.endsAt?.nanoseconds, JSONText.encode(change.annotations),
                change.generatorURL, at.nanoseconds, change.episodeID,
            ])
    }

    func touchAlerts(_ episodeIDs: [Int64], at: Timestamp) throws {
        guard !episodeIDs.isEmpty else { return }
        let touch = try db.cachedStatement(sql: "UPDATE alerts SET last_seen_at = ? WHERE id = ?")
        for episode in episodeIDs { try touch.execute(arguments: [at.nanoseconds, episode]) }
    }

    func attachRunbook(_ runbookID: String, incidentID: Int64, at: Timestamp) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO incident_runbooks (incident_id, runbook_id, attached_at) VALUES (?, ?, ?)")
            .execute(arguments: [incidentID, runbookID, at.nanoseconds])
    }

    func appendTimeline(_ entry: TimelineDraft, incidentID: Int64) throws -> Int64 {
        let stored = entry.stored
        var insert = try RawStatement(db, sql: "INSERT INTO timeline (incident_id, at, kind, actor, text, data) VALUES (?, ?, ?, ?, ?, ?)")
        insert.bind(incidentID)
        insert.bind(entry.at.nanoseconds)
        insert.bind(stored.kind)
        insert.bind(entry.actor)
        insert.bind(entry.text)
        insert.bind(JSONText.encode(stored.data))
        try insert.execute()
        return db.lastInsertedRowID
    }

    func enqueueDelivery(incidentID: Int64, timelineID: Int64, target: String, event: OutboundEvent, at: Timestamp) throws {
        try db.cachedStatement(sql: """
            INSERT INTO outbox (incident_id, timeline_id, target, event, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [incidentID, timelineID, target, event.rawValue, at.nanoseconds, at.nanoseconds])
    }

    func endRole(assignmentID: Int64, at: Timestamp) throws {
        try db.execute(sql: "UPDATE roles SET ended_at = ? WHERE id = ?", arguments: [at.nanoseconds, assignmentID])
    }

    func startRole(_ start: IncidentActions.RoleStart, incidentID: Int64, assignedBy: String, at: Timestamp) throws {
        try db.execute(sql: """
            INSERT INTO roles (incident_id, role, user_id, user_name, started_at, assigned_by) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [incidentID, start.role, start.user.id, start.user.name, at.nanoseconds, assignedBy])
    }

    func insertPostmortem(incidentID: Int64, markdown: String, at: Timestamp) throws -> Int {
        let version = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM postmortems WHERE incident_id = ?",
                                        arguments: [incidentID]) ?? 0) + 1
        try db.execute(sql: "INSERT INTO postmortems (incident_id, version, generated_at, markdown) VALUES (?, ?, ?, ?)",
                       arguments: [incidentID, version, at.nanoseconds, markdown])
        return version
    }

    func insertSilence(_ silenceID: String, request: SilenceRequest, incidentID: Int64, createdBy: String) throws {
        try db.execute(sql: """
            INSERT INTO silences (incident_id, silence_id, matchers, starts_at, ends_at, created_by, comment)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [incidentID, silenceID, JSONText.encode(request.matchers), request.startsAt.nanoseconds,
                             request.endsAt.nanoseconds, createdBy, request.comment])
    }

    func expireSilence(_ silenceID: String, incidentID: Int64, by: String, at: Timestamp) throws {
        try db.execute(sql: """
            UPDATE silences SET expired_at = ?, expired_by = ? WHERE incident_id = ? AND silence_id = ? AND expired_at IS NULL
            """, arguments: [at.nanoseconds, by, incidentID, silenceID])
    }

    func recordEscalation(incidentID: Int64, at: Timestamp) throws {
        try db.execute(sql: "UPDATE incidents SET escalations = escalations + 1, escalated_at = ?, updated_at = ? WHERE id = ?",
                       arguments: [at.nanoseconds, at.nanoseconds, incidentID])
    }

    func finishDelivery(_ id: Int64, _ decision: DeliveryPolicy.Decision, at: Timestamp) throws -> FinishedDelivery? {
        switch decision {
        case .delivered:
            try db.execute(sql: """
                UPDATE outbox SET state = 'delivered', attempts = attempts + 1, finished_at = ?, last_error = NULL
                WHERE id = ? AND state = 'pending'
                """, arguments: [at.nanoseconds, id])
        case .retry(let next, let reason):
            try db.execute(sql: """
                UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND state = 'pending'
                """, arguments: [next.nanoseconds, reason, id])
        case .failed(let reason):
            try db.execute(sql: """
                UPDATE outbox SET state = 'failed', attempts = attempts + 1, finished_at = ?, last_error = ?
                WHERE id = ? AND state = 'pending'
                """, arguments: [at.nanoseconds, reason, id])
        }
        // Not UPDATE ... RETURNING: that needs SQLite 3.35, older than some distributions ship.
        guard db.changesCount > 0,
              let row = try Row.fetchOne(db, sql: "SELECT incident_id, target, event, attempts FROM outbox WHERE id = ?", arguments: [id])
        else { return nil }
        return FinishedDelivery(incidentID: row[0], target: row[1], event: row[2], attempts: row[3])
    }

    func recordHeartbeat(name: String, at: Timestamp) throws {
        try db.cachedStatement(sql: """
            INSERT INTO heartbeats (name, last_seen_at) VALUES (?, ?)
            ON CONFLICT (name) DO UPDATE SET last_seen_at = MAX(last_seen_at, excluded.last_seen_at)
            """).execute(arguments: [name, at.nanoseconds])
    }

    func saveChatThread(_ thread: ChatThread, incidentID: Int64, target: String, at: Timestamp) throws {
        try db.execute(sql: """
            INSERT INTO chat_threads (incident_id, target, channel, ts, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (incident_id, target) DO UPDATE SET channel = excluded.channel, ts = excluded.ts
            """, arguments: [incidentID, target, thread.channel, thread.ts, at.nanoseconds])
    }

    func pruneDeliveries(finishedBefore cutoff: Timestamp) throws -> Int {
        try db.execute(sql: "DELETE FROM outbox WHERE state = 'delivered' AND finished_at < ?", arguments: [cutoff.nanoseconds])
        return db.changesCount
    }

    func keepDeadLetter(_ draft: DeadLetterDraft, at: Timestamp) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO dead_letters (body_sha256, receiver, group_key, body, error, first_seen_at, last_seen_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (body_sha256) DO UPDATE SET
                attempts = attempts + 1, last_seen_at = excluded.last_seen_at, error = excluded.error
            """, arguments: [Data(draft.digest), draft.receiver, draft.groupKey, Data(draft.body), draft.error,
                             at.nanoseconds, at.nanoseconds])
        return try Int64.fetchOne(db, sql: "SELECT id FROM dead_letters WHERE body_sha256 = ?", arguments: [Data(draft.digest)]) ?? 0
    }

    func recordSignature(mac: [UInt8], timestamp: Int64, forgetBefore: Int64) throws -> Bool {
        try db.execute(sql: "DELETE FROM seen_signatures WHERE request_ts < ?", arguments: [forgetBefore])
        try db.execute(sql: "INSERT OR IGNORE INTO seen_signatures (mac, request_ts) VALUES (?, ?)", arguments: [Data(mac), timestamp])
        return db.changesCount == 1
    }
}
