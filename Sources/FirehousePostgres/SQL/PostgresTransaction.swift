import FirehouseCore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The storage primitives as PostgreSQL statements on one connection inside the caller's
/// transaction. It runs on a thread of the store's blocking pool and waits for statements whose
/// answer it needs (the primitives are synchronous, see `IncidentStore`); a write whose answer it
/// does not need is only sent, since the connection runs its statements in order: the next
/// statement waited for (at the latest COMMIT) comes after it and reports its failure. That keeps
/// a new incident at four waits instead of eleven, each a wake-up of this thread and of the event
/// loop. In a write transaction an incident's head is read `FOR UPDATE`: a change by another
/// replica waits, then reads what that one wrote.
final class PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    let logger: Logger
    let writing: Bool
    /// Statements sent and not yet waited for, in the order sent.
    private var unsettled: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger, writing: Bool) {
        self.connection = connection
        self.logger = logger
        self.writing = writing
    }

    /// Runs `query` after everything sent before it and returns its answer. A statement sent
    /// earlier that failed is this one's cause (the transaction is aborted from there on), so its
    /// error is the one thrown.
    @discardableResult
    func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
        let answer = connection.query(query, logger: logger)
        let result = Result { try answer.wait() }
        try settle()
        do {
            return try result.get()
        } catch {
            throw DriverError(underlying: error)
        }
    }

    /// Sends `query` without waiting for it: a write whose answer nobody needs.
    func send(_ query: PostgresQuery) {
        unsettled.append(connection.query(query, logger: logger))
    }

    /// Throws the first failure among the statements sent so far, once all of them have answered.
    func settle() throws {
        let sent = unsettled
        unsettled.removeAll()
        for statement in sent {
            do {
                _ = try statement.wait()
            } catch {
                throw DriverError(underlying: error)
            }
        }
    }

    private static let headColumns = """
        id, correlation_key, receiver, title, labels, severity, severity_pinned, status, opened_at,
        acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts
        """

    private static func head(_ row: PostgresRow) throws -> IncidentHead {
        let (id, key, receiver, title, labels, severity, pinned, status, openedAt, ackAt, mitAt, resAt, closedAt, reopens, truncated) =
            try row.decode((Int64, String, String, String, String, Int, Bool, String, Int64, Int64?, Int64?, Int64?, Int64?, Int, Int).self)
        return IncidentHead(
            id: id, correlationKey: key, receiver: receiver, title: title, labels: JSONText.decode(labels),
            severity: Severity(rawValue: severity) ?? .sev3, severityPinned: pinned,
            milestones: .init(status: IncidentStatus(rawValue: status) ?? .triggered, acknowledgedAt: ackAt.map { Timestamp(nanoseconds: $0) },
                              mitigatedAt: mitAt.map { Timestamp(nanoseconds: $0) }, resolvedAt: resAt.map { Timestamp(nanoseconds: $0) },
                              closedAt: closedAt.map { Timestamp(nanoseconds: $0) }),
            openedAt: Timestamp(nanoseconds: openedAt), reopenCount: reopens, truncatedAlerts: truncated)
    }

    // MARK: - Reads

    func head(id: Int64) throws -> IncidentHead? {
        let lock = writing ? " FOR UPDATE" : ""
        return try run("SELECT \(unescaped: Self.headColumns) FROM incidents WHERE id = \(id)\(unescaped: lock)").first.map(Self.head)
    }

    func summary(of head: IncidentHead) throws -> IncidentSummary {
        let row = try run("""
            SELECT COUNT(*), COUNT(*) FILTER (WHERE status = 'firing') FROM alerts WHERE incident_id = \(head.id)
            """).first
        let (all, firing) = try row?.decode((Int, Int).self) ?? (0, 0)
        return IncidentSummary(head: head, alertCount: all, firingAlertCount: firing)
    }

    func detail(id: Int64) throws -> IncidentDetail? {
        guard let head = try head(id: id) else { return nil }
        return IncidentDetail(summary: try summary(of: head), alerts: try alerts(incidentID: id),
                              timeline: try timeline(incidentID: id), roles: try roles(incidentID: id),
                              runbooks: try runbookIDs(incidentID: id))
    }

    func page(_ query: IncidentQuery) throws -> IncidentPage {
        let statuses = query.status.statuses.map(\.rawValue)
        let before = query.before ?? .max
        let rows = try run("""
            SELECT \(unescaped: Self.headColumns), c.total, c.firing
            FROM incidents i CROSS JOIN LATERAL (
                SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE a.status = 'firing') AS firing FROM alerts a WHERE a.incident_id = i.id
            ) c
            WHERE status = ANY(\(statuses)) AND id < \(before)
            ORDER BY id DESC LIMIT \(query.limit + 1)
            """)
        var summaries: [IncidentSummary] = []
        for row in rows {
            let cells = Array(row)
            let total = try cells[15].decode(Int.self)
            let firing = try cells[16].decode(Int.self)
            summaries.append(IncidentSummary(head: try Self.head(row), alertCount: total, firingAlertCount: firing))
        }
        var next: Int64?
        if summaries.count > query.limit {
            summaries.removeLast()
            next = summaries.last?.head.id
        }
        return IncidentPage(incidents: summaries, next: next)
    }

    func alerts(incidentID: Int64) throws -> [AlertRecord] {
        try run("""
            SELECT fingerprint, status, labels, annotations, starts_at, ends_at, generator_url, first_seen_at, last_seen_at
            FROM alerts WHERE incident_id = \(incidentID) ORDER BY id
            """).map { row in
            let (fingerprint, status, labels, annotations, startsAt, endsAt, url, first, last) =
                try row.decode((String, String, String, String, Int64, Int64?, String, Int64, Int64).self)
            return AlertRecord(
                fingerprint: fingerprint, status: AlertStatus(rawValue: status) ?? .firing, labels: JSONText.decode(labels),
                annotations: JSONText.decode(annotations), startsAt: Timestamp(nanoseconds: startsAt),
                endsAt: endsAt.map { Timestamp(nanoseconds: $0) }, generatorURL: url, firstSeenAt: Timestamp(nanoseconds: first),
                lastSeenAt: Timestamp(nanoseconds: last))
        }
    }

    func timeline(incidentID: Int64) throws -> [TimelineEntry] {
        try run("SELECT id, at, kind, actor, text, data FROM timeline WHERE incident_id = \(incidentID) ORDER BY id").map(Self.entry)
    }

    static func entry(_ row: PostgresRow) throws -> TimelineEntry {
        let (id, at, kind, actor, text, data) = try row.decode((Int64, Int64, String, String, String, String).self)
        return TimelineEntry(id: id, at: Timestamp(nanoseconds: at), kind: kind, actor: actor, text: text, data: JSONText.decode(data))
    }

    func roles(incidentID: Int64) throws -> [RoleAssignment] {
        try run("""
            SELECT id, role, user_id, user_name, started_at, ended_at, assigned_by FROM roles
            WHERE incident_id = \(incidentID) ORDER BY id
            """).map { row in
            let (id, role, userID, userName, from, to, by) = try row.decode((Int64, String, String, String, Int64, Int64?, String).self)
            return RoleAssignment(id: id, role: role, user: ChatUser(id: userID, name: userName), from: Timestamp(nanoseconds: from),
                                  to: to.map { Timestamp(nanoseconds: $0) }, assignedBy: by)
        }
    }

    func runbookIDs(incidentID: Int64) throws -> [String] {
        try run("SELECT runbook_id FROM incident_runbooks WHERE incident_id = \(incidentID) ORDER BY attached_at, seq")
            .map { try $0.decode(String.self) }
    }

    func postmortem(incidentID: Int64, version: Int?) throws -> StoredPostmortem? {
        let rows = if let version {
            try run("""
                SELECT version, generated_at, markdown FROM postmortems WHERE incident_id = \(incidentID) AND version = \(version)
                """)
        } else {
            try run("""
                SELECT version, generated_at, markdown FROM postmortems WHERE incident_id = \(incidentID)
                ORDER BY version DESC LIMIT 1
                """)
        }
        return try rows.first.map { row in
            let (version, at, markdown) = try row.decode((Int, Int64, String).self)
            return StoredPostmortem(version: version, generatedAt: Timestamp(nanoseconds: at), markdown: markdown)
        }
    }

    func statsRecords(_ query: StatsQuery) throws -> [StatsRecord] {
        var records: [Int64: StatsRecord] = [:]
        var order: [Int64] = []
        for row in try run("""
            SELECT id, severity, status, opened_at, acknowledged_at, mitigated_at, resolved_at, reopen_count, labels
            FROM incidents WHERE opened_at >= \(query.since.nanoseconds) AND opened_at < \(query.until.nanoseconds) ORDER BY id
            """) {
            let (id, severity, status, openedAt, ackAt, mitAt, resAt, reopens, labels) =
                try row.decode((Int64, Int, String, Int64, Int64?, Int64?, Int64?, Int, String).self)
            var record = StatsRecord(
                id: id, severity: Severity(rawValue: severity) ?? .sev3, status: IncidentStatus(rawValue: status) ?? .triggered,
                openedAt: Timestamp(nanoseconds: openedAt), acknowledgedAt: ackAt.map { Timestamp(nanoseconds: $0) },
                mitigatedAt: mitAt.map { Timestamp(nanoseconds: $0) }, resolvedAt: resAt.map { Timestamp(nanoseconds: $0) }, reopenCount: reopens)
            if let service = JSONText.decode(labels)["service"] { record.services.insert(service) }
            records[id] = record
            order.append(id)
        }
        guard let first = order.first, let last = order.last else { return [] }
        for row in try run("""
            SELECT incident_id, labels FROM alerts WHERE incident_id BETWEEN \(first) AND \(last)
            """) {
            let (id, text) = try row.decode((Int64, String).self)
            guard records[id] != nil else { continue }
            let labels = JSONText.decode(text)
            if let service = labels["service"] { records[id]!.services.insert(service) }
            if let name = labels["alertname"] { records[id]!.alertnames.insert(name) }
        }
        return order.compactMap { records[$0] }.filter { query.service == nil || $0.services.contains(query.service!) }
    }

    func openIncidentCounts() throws -> [OpenIncidentCount] {
        try run("""
            SELECT severity, status, COUNT(*) FROM incidents WHERE status NOT IN ('resolved', 'closed') GROUP BY 1, 2
            """).compactMap { row in
            let (severity, status, count) = try row.decode((Int, String, Int).self)
            guard let severity = Severity(rawValue: severity), let status = IncidentStatus(rawValue: status) else { return nil }
            return OpenIncidentCount(severity: severity, status: status, count: count)
        }
    }

    func episodes(receiver: String, keys: Set<EpisodeKey>) throws -> [EpisodeKey: StoredEpisode] {
        guard !keys.isEmpty else { return [:] }
        let keys = Array(keys)
        var found: [EpisodeKey: StoredEpisode] = [:]
        for row in try run("""
            SELECT a.fingerprint, a.starts_at, a.id, a.incident_id, a.status, a.annotations, a.generator_url
            FROM unnest(\(keys.map(\.fingerprint))::text[], \(keys.map(\.startsAt.nanoseconds))::bigint[]) AS k (fingerprint, starts_at)
            JOIN alerts a ON a.receiver = \(receiver) AND a.fingerprint = k.fingerprint AND a.starts_at = k.starts_at
            """) {
            let (fingerprint, startsAt, id, incidentID, status, annotations, url) =
                try row.decode((String, Int64, Int64, Int64, String, String, String).self)
            found[EpisodeKey(fingerprint: fingerprint, startsAt: Timestamp(nanoseconds: startsAt))] = StoredEpisode(
                id: id, incidentID: incidentID, status: AlertStatus(rawValue: status) ?? .firing,
                annotations: JSONText.decode(annotations), generatorURL: url)
        }
        return found
    }

    func activeIncident(correlationKey: String) throws -> Int64? {
        try run("""
            SELECT id FROM incidents WHERE correlation_key = \(correlationKey) AND status NOT IN ('resolved', 'closed')
            ORDER BY id DESC LIMIT 1
            """).first.map { try $0.decode(Int64.self) }
    }

    func latestIncident(correlationKey: String) throws -> (id: Int64, status: IncidentStatus)? {
        try run("SELECT id, status FROM incidents WHERE correlation_key = \(correlationKey) ORDER BY id DESC LIMIT 1").first.map { row in
            let (id, status) = try row.decode((Int64, String).self)
            return (id, IncidentStatus(rawValue: status) ?? .triggered)
        }
    }

    func firingAlertCount(incidentID: Int64) throws -> Int {
        try run("SELECT COUNT(*) FROM alerts WHERE incident_id = \(incidentID) AND status = 'firing'").first?.decode(Int.self) ?? 0
    }

    /// One statement: the episodes, then each key's active incident, then each key's newest
    /// incident (kept when resolved), told apart by the first column.
    func correlationCandidates(_ lookup: CorrelationLookup) throws -> CorrelationCandidates {
        let episodes = Array(lookup.episodes)
        let keys = Array(lookup.keys)
        var candidates = CorrelationCandidates()
        guard !episodes.isEmpty || !keys.isEmpty else { return candidates }
        for row in try run("""
            SELECT 0, a.fingerprint, a.starts_at, a.id, a.incident_id, a.status, a.annotations, a.generator_url
            FROM unnest(\(episodes.map(\.fingerprint))::text[], \(episodes.map(\.startsAt.nanoseconds))::bigint[]) AS k (fingerprint, starts_at)
            JOIN alerts a ON a.receiver = \(lookup.receiver) AND a.fingerprint = k.fingerprint AND a.starts_at = k.starts_at
            UNION ALL
            SELECT 1, k.key, NULL, NULL, i.id, i.status, NULL, NULL FROM unnest(\(keys)::text[]) AS k (key)
            CROSS JOIN LATERAL (
                SELECT id, status FROM incidents WHERE correlation_key = k.key AND status NOT IN ('resolved', 'closed')
                ORDER BY id DESC LIMIT 1) i
            UNION ALL
            SELECT 2, k.key, NULL, NULL, i.id, i.status, NULL, NULL FROM unnest(\(keys)::text[]) AS k (key)
            CROSS JOIN LATERAL (SELECT id, status FROM incidents WHERE correlation_key = k.key ORDER BY id DESC LIMIT 1) i
            """) {
            let (kind, key, startsAt, episodeID, incidentID, status, annotations, url) =
                try row.decode((Int, String, Int64?, Int64?, Int64, String, String?, String?).self)
            switch kind {
            case 0:
                guard let startsAt, let episodeID else { continue }
                candidates.episodes[EpisodeKey(fingerprint: key, startsAt: Timestamp(nanoseconds: startsAt))] = StoredEpisode(
                    id: episodeID, incidentID: incidentID, status: AlertStatus(rawValue: status) ?? .firing,
                    annotations: JSONText.decode(annotations ?? "{}"), generatorURL: url ?? "")
            case 1:
                candidates.activeByKey[key] = incidentID
            default:
                if IncidentStatus(rawValue: status) == .resolved { candidates.resolvedByKey[key] = incidentID }
            }
        }
        return candidates
    }

    /// One statement for the heads, counts and runbooks. In a write the heads are locked first by
    /// a statement of their own, sent ahead: this one then starts after the locks are held, so its
    /// snapshot sees what their previous holders committed.
    func incidentSnapshots(ids: [Int64]) throws -> [Int64: AttachedSnapshot] {
        guard !ids.isEmpty else { return [:] }
        if writing { send("SELECT 1 FROM incidents WHERE id = ANY(\(ids)::bigint[]) ORDER BY id FOR UPDATE") }
        var snapshots: [Int64: AttachedSnapshot] = [:]
        for row in try run("""
            SELECT \(unescaped: Self.headColumns),
                (SELECT COUNT(*) FROM alerts a WHERE a.incident_id = i.id AND a.status = 'firing'),
                ARRAY(SELECT r.runbook_id FROM incident_runbooks r WHERE r.incident_id = i.id)
            FROM incidents i WHERE id = ANY(\(ids)::bigint[])
            """) {
            let cells = Array(row)
            let firing = try cells[15].decode(Int.self)
            let runbooks = try cells[16].decode([String].self)
            let head = try Self.head(row)
            snapshots[head.id] = AttachedSnapshot(snapshot: IncidentSnapshot(head: head, firingAlerts: firing), runbooks: Set(runbooks))
        }
        return snapshots
    }

    func activeSilences(incidentID: Int64, now: Timestamp) throws -> [RecordedSilence] {
        try run("""
            SELECT silence_id, matchers, ends_at, created_by FROM silences
            WHERE incident_id = \(incidentID) AND expired_at IS NULL AND ends_at > \(now.nanoseconds) ORDER BY id
            """).map { row in
            let (id, matchers, endsAt, by) = try row.decode((String, String, Int64, String).self)
            return RecordedSilence(silenceID: id, matchers: JSONText.decode(matchers), endsAt: Timestamp(nanoseconds: endsAt), createdBy: by)
        }
    }

    func escalationCandidates(minSeverity: Severity, openedBefore: Timestamp) throws -> [EscalationCandidate] {
        try run("""
            SELECT id, escalations, escalated_at FROM incidents
            WHERE status NOT IN ('resolved', 'closed') AND acknowledged_at IS NULL AND severity <= \(minSeverity.rawValue)
                AND opened_at <= \(openedBefore.nanoseconds)
            ORDER BY id
            """).map { row in
            let (id, count, at) = try row.decode((Int64, Int, Int64?).self)
            return EscalationCandidate(incidentID: id, record: .init(count: count, lastAt: at.map { Timestamp(nanoseconds: $0) }))
        }
    }

    func outboxHeads(target: String?, through: Int64) throws -> [Int64] {
        let rows = if let target {
            try run("SELECT MIN(id) FROM outbox WHERE state = 'pending' AND target = \(target)")
        } else {
            try run("SELECT MIN(id) FROM outbox WHERE state = 'pending' GROUP BY target")
        }
        return try rows.compactMap { try $0.decode(Int64?.self) }.filter { $0 <= through }
    }

    func outboxRow(id: Int64, dueBy now: Timestamp) throws -> OutboxRow? {
        try run("""
            SELECT o.id, o.target, o.event, o.attempts, o.incident_id, t.id, t.at, t.kind, t.actor, t.text, t.data
            FROM outbox o JOIN timeline t ON t.id = o.timeline_id
            WHERE o.id = \(id) AND o.state = 'pending' AND o.next_attempt_at <= \(now.nanoseconds)
            """).first.map { row in
            let (id, target, event, attempts, incidentID, entryID, at, kind, actor, text, data) =
                try row.decode((Int64, String, String, Int, Int64, Int64, Int64, String, String, String, String).self)
            return OutboxRow(id: id, target: target, event: event, attempts: attempts, incidentID: incidentID,
                             entry: TimelineEntry(id: entryID, at: Timestamp(nanoseconds: at), kind: kind, actor: actor, text: text,
                                                  data: JSONText.decode(data)))
        }
    }

    func outboxDepth() throws -> [OutboxDepth] {
        var depths: [String: OutboxDepth] = [:]
        for row in try run("SELECT target, COUNT(*) FROM outbox WHERE state = 'pending' GROUP BY target") {
            let (target, count) = try row.decode((String, Int).self)
            depths[target, default: OutboxDepth(target: target, pending: 0, failed: 0)].pending = count
        }
        for row in try run("SELECT target, COUNT(*) FROM outbox WHERE state = 'failed' GROUP BY target") {
            let (target, count) = try row.decode((String, Int).self)
            depths[target, default: OutboxDepth(target: target, pending: 0, failed: 0)].failed = count
        }
        return depths.values.sorted { $0.target < $1.target }
    }

    func deadLetters(limit: Int) throws -> [DeadLetter] {
        try run("""
            SELECT id, receiver, group_key, error, first_seen_at, last_seen_at, attempts, body
            FROM dead_letters ORDER BY id DESC LIMIT \(limit)
            """).map { row in
            let (id, receiver, groupKey, error, first, last, attempts, body) =
                try row.decode((Int64, String, String, String, Int64, Int64, Int, ByteBuffer).self)
            return DeadLetter(id: id, receiver: receiver, groupKey: groupKey, error: error, firstSeenAt: Timestamp(nanoseconds: first),
                              lastSeenAt: Timestamp(nanoseconds: last), attempts: attempts,
                              body: String(decoding: body.readableBytesView, as: UTF8.self))
        }
    }

    // MARK: - Writes

    func lockCorrelationKeys(_ keys: [String]) throws {
        guard !keys.isEmpty else { return }
        // Sorted, so two transactions wanting the same keys take them in the same order.
        let sorted = Array(Set(keys)).sorted()
        send("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest(\(sorted)::text[]) AS k")
    }

    func insertIncident(_ head: IncidentHead, at: Timestamp) throws -> Int64 {
        let m = head.milestones
        let row = try run("""
            INSERT INTO incidents (correlation_key, receiver, title, labels, severity, severity_pinned, status,
                opened_at, acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts, updated_at)
            VALUES (\(head.correlationKey), \(head.receiver), \(head.title), \(JSONText.encode(head.labels)), \(head.severity.rawValue),
                \(head.severityPinned), \(m.status.rawValue), \(head.openedAt.nanoseconds), \(m.acknowledgedAt?.nanoseconds),
                \(m.mitigatedAt?.nanoseconds), \(m.resolvedAt?.nanoseconds), \(m.closedAt?.nanoseconds), \(head.reopenCount),
                \(head.truncatedAlerts), \(at.nanoseconds))
            RETURNING id
            """).first
        guard let id = try row?.decode(Int64.self) else { throw PostgresStoreError.noRowReturned("insert incident") }
        return id
    }

    func updateIncident(_ head: IncidentHead, at: Timestamp) throws {
        let m = head.milestones
        send("""
            UPDATE incidents SET title = \(head.title), severity = \(head.severity.rawValue), severity_pinned = \(head.severityPinned),
                status = \(m.status.rawValue), acknowledged_at = \(m.acknowledgedAt?.nanoseconds),
                mitigated_at = \(m.mitigatedAt?.nanoseconds), resolved_at = \(m.resolvedAt?.nanoseconds),
                closed_at = \(m.closedAt?.nanoseconds), reopen_count = \(head.reopenCount),
                truncated_alerts = \(head.truncatedAlerts), updated_at = \(at.nanoseconds)
            WHERE id = \(head.id)
            """)
    }

    func insertAlert(_ new: NewAlert, stored: PreparedNotification.EncodedAlert, incidentID: Int64, at: Timestamp) throws {
        let alert = new.alert
        send("""
            INSERT INTO alerts (incident_id, receiver, fingerprint, starts_at, status, ends_at, labels, annotations,
                generator_url, first_seen_at, last_seen_at)
            VALUES (\(incidentID), \(new.receiver), \(alert.fingerprint), \(alert.startsAt.nanoseconds), \(alert.status.rawValue),
                \(new.endsAt?.nanoseconds), \(stored.labels), \(stored.annotations), \(alert.generatorURL), \(at.nanoseconds),
                \(at.nanoseconds))
            """)
    }

    /// Every alert of the batch in one statement (arrays unnested); a missing `endsAt` travels as
    /// Int64.min, since arrays here carry no NULLs.
    func insertAlerts(_ alerts: [(alert: NewAlert, stored: PreparedNotification.EncodedAlert)], incidentID: Int64,
                      at: Timestamp) throws {
        guard alerts.count > 1 else {
            for (alert, stored) in alerts { try insertAlert(alert, stored: stored, incidentID: incidentID, at: at) }
            return
        }
        send("""
            INSERT INTO alerts (incident_id, receiver, fingerprint, starts_at, status, ends_at, labels, annotations,
                generator_url, first_seen_at, last_seen_at)
            SELECT \(incidentID), r, f, s, st, NULLIF(e, -9223372036854775808), l, a, g, \(at.nanoseconds), \(at.nanoseconds)
            FROM unnest(\(alerts.map(\.alert.receiver))::text[], \(alerts.map(\.alert.alert.fingerprint))::text[],
                        \(alerts.map(\.alert.alert.startsAt.nanoseconds))::bigint[], \(alerts.map(\.alert.alert.status.rawValue))::text[],
                        \(alerts.map { $0.alert.endsAt?.nanoseconds ?? .min })::bigint[], \(alerts.map(\.stored.labels))::text[],
                        \(alerts.map(\.stored.annotations))::text[], \(alerts.map(\.alert.alert.generatorURL))::text[])
                WITH ORDINALITY AS t (r, f, s, st, e, l, a, g, n)
            ORDER BY n
            """)
    }

    func updateAlerts(_ changes: [AlertUpdate], at: Timestamp) throws {
        guard changes.count > 1 else {
            for change in changes { try updateAlert(change, at: at) }
            return
        }
        send("""
            UPDATE alerts SET status = u.st, ends_at = NULLIF(u.e, -9223372036854775808), annotations = u.an,
                generator_url = u.g, last_seen_at = \(at.nanoseconds)
            FROM unnest(\(changes.map(\.episodeID))::bigint[], \(changes.map(\.status.rawValue))::text[],
                        \(changes.map { $0.endsAt?.nanoseconds ?? .min })::bigint[],
                        \(changes.map { JSONText.encode($0.annotations) })::text[], \(changes.map(\.generatorURL))::text[])
                AS u (id, st, e, an, g)
            WHERE alerts.id = u.id
            """)
    }

    func appendTimeline(_ entries: [TimelineDraft], incidentID: Int64) throws -> [Int64] {
        guard entries.count > 1 else { return try entries.map { try appendTimeline($0, incidentID: incidentID) } }
        let stored = entries.map(\.stored)
        // Identity values are drawn in insertion order, which ORDER BY n fixes: sorted ids are the entries' ids.
        return try run("""
            INSERT INTO timeline (incident_id, at, kind, actor, text, data)
            SELECT \(incidentID), at, kind, actor, text, data
            FROM unnest(\(entries.map(\.at.nanoseconds))::bigint[], \(stored.map(\.kind))::text[], \(entries.map(\.actor))::text[],
                        \(entries.map(\.text))::text[], \(stored.map { JSONText.encode($0.data) })::text[])
                WITH ORDINALITY AS t (at, kind, actor, text, data, n)
            ORDER BY n
            RETURNING id
            """).map { try $0.decode(Int64.self) }.sorted()
    }

    func enqueueDeliveries(_ deliveries: [QueuedDelivery], incidentID: Int64) throws {
        guard deliveries.count > 1 else {
            for d in deliveries {
                try enqueueDelivery(incidentID: incidentID, timelineID: d.timelineID, target: d.target, event: d.event, at: d.at)
            }
            return
        }
        send("""
            INSERT INTO outbox (incident_id, timeline_id, target, event, created_at, next_attempt_at)
            SELECT \(incidentID), t, g, e, a, a
            FROM unnest(\(deliveries.map(\.timelineID))::bigint[], \(deliveries.map(\.target))::text[],
                        \(deliveries.map(\.event.rawValue))::text[], \(deliveries.map(\.at.nanoseconds))::bigint[])
                WITH ORDINALITY AS u (t, g, e, a, n)
            ORDER BY n
            """)
    }

    func updateAlert(_ change: AlertUpdate, at: Timestamp) throws {
        send("""
            UPDATE alerts SET status = \(change.status.rawValue), ends_at = \(change.endsAt?.nanoseconds),
                annotations = \(JSONText.encode(change.annotations)), generator_url = \(change.generatorURL),
                last_seen_at = \(at.nanoseconds)
            WHERE id = \(change.episodeID)
            """)
    }

    func touchAlerts(_ episodeIDs: [Int64], at: Timestamp) throws {
        guard !episodeIDs.isEmpty else { return }
        send("UPDATE alerts SET last_seen_at = \(at.nanoseconds) WHERE id = ANY(\(episodeIDs)::bigint[])")
    }

    func attachRunbook(_ runbookID: String, incidentID: Int64, at: Timestamp) throws {
        send("""
            INSERT INTO incident_runbooks (incident_id, runbook_id, attached_at) VALUES (\(incidentID), \(runbookID), \(at.nanoseconds))
            ON CONFLICT DO NOTHING
            """)
    }

    func appendTimeline(_ entry: TimelineDraft, incidentID: Int64) throws -> Int64 {
        let stored = entry.stored
        let row = try run("""
            INSERT INTO timeline (incident_id, at, kind, actor, text, data)
            VALUES (\(incidentID), \(entry.at.nanoseconds), \(stored.kind), \(entry.actor), \(entry.text), \(JSONText.encode(stored.data)))
            RETURNING id
            """).first
        guard let id = try row?.decode(Int64.self) else { throw PostgresStoreError.noRowReturned("append timeline") }
        return id
    }

    func enqueueDelivery(incidentID: Int64, timelineID: Int64, target: String, event: OutboundEvent, at: Timestamp) throws {
        send("""
            INSERT INTO outbox (incident_id, timeline_id, target, event, created_at, next_attempt_at)
            VALUES (\(incidentID), \(timelineID), \(target), \(event.rawValue), \(at.nanoseconds), \(at.nanoseconds))
            """)
    }

    func endRole(assignmentID: Int64, at: Timestamp) throws {
        send("UPDATE roles SET ended_at = \(at.nanoseconds) WHERE id = \(assignmentID)")
    }

    func startRole(_ start: IncidentActions.RoleStart, incidentID: Int64, assignedBy: String, at: Timestamp) throws {
        send("""
            INSERT INTO roles (incident_id, role, user_id, user_name, started_at, assigned_by)
            VALUES (\(incidentID), \(start.role), \(start.user.id), \(start.user.name), \(at.nanoseconds), \(assignedBy))
            """)
    }

    func insertPostmortem(incidentID: Int64, markdown: String, at: Timestamp) throws -> Int {
        let row = try run("""
            INSERT INTO postmortems (incident_id, version, generated_at, markdown)
            SELECT \(incidentID), COALESCE(MAX(version), 0) + 1, \(at.nanoseconds), \(markdown) FROM postmortems
            WHERE incident_id = \(incidentID)
            RETURNING version
            """).first
        guard let version = try row?.decode(Int.self) else { throw PostgresStoreError.noRowReturned("insert post-mortem") }
        return version
    }

    func insertSilence(_ silenceID: String, request: SilenceRequest, incidentID: Int64, createdBy: String) throws {
        send("""
            INSERT INTO silences (incident_id, silence_id, matchers, starts_at, ends_at, created_by, comment)
            VALUES (\(incidentID), \(silenceID), \(JSONText.encode(request.matchers)), \(request.startsAt.nanoseconds),
                \(request.endsAt.nanoseconds), \(createdBy), \(request.comment))
            """)
    }

    func expireSilence(_ silenceID: String, incidentID: Int64, by: String, at: Timestamp) throws {
        send("""
            UPDATE silences SET expired_at = \(at.nanoseconds), expired_by = \(by)
            WHERE incident_id = \(incidentID) AND silence_id = \(silenceID) AND expired_at IS NULL
            """)
    }

    func recordEscalation(incidentID: Int64, at: Timestamp) throws {
        send("""
            UPDATE incidents SET escalations = escalations + 1, escalated_at = \(at.nanoseconds), updated_at = \(at.nanoseconds)
            WHERE id = \(incidentID)
            """)
    }

    func finishDelivery(_ id: Int64, _ decision: DeliveryPolicy.Decision, at: Timestamp) throws -> FinishedDelivery? {
        let returning = "RETURNING incident_id, target, event, attempts"
        let rows = switch decision {
        case .delivered:
            try run("""
                UPDATE outbox SET state = 'delivered', attempts = attempts + 1, finished_at = \(at.nanoseconds), last_error = NULL
                WHERE id = \(id) AND state = 'pending' \(unescaped: returning)
                """)
        case .retry(let next, let reason):
            try run("""
                UPDATE outbox SET attempts = attempts + 1, next_attempt_at = \(next.nanoseconds), last_error = \(reason)
                WHERE id = \(id) AND state = 'pending' \(unescaped: returning)
                """)
        case .failed(let reason):
            try run("""
                UPDATE outbox SET state = 'failed', attempts = attempts + 1, finished_at = \(at.nanoseconds), last_error = \(reason)
                WHERE id = \(id) AND state = 'pending' \(unescaped: returning)
                """)
        }
        return try rows.first.map { row in
            let (incidentID, target, event, attempts) = try row.decode((Int64, String, String, Int).self)
            return FinishedDelivery(incidentID: incidentID, target: target, event: event, attempts: attempts)
        }
    }

    func pruneDeliveries(finishedBefore cutoff: Timestamp) throws -> Int {
        try run("DELETE FROM outbox WHERE state = 'delivered' AND finished_at < \(cutoff.nanoseconds)").metadata.rows ?? 0
    }

    func keepDeadLetter(_ draft: DeadLetterDraft, at: Timestamp) throws -> Int64 {
        let row = try run("""
            INSERT INTO dead_letters (body_sha256, receiver, group_key, body, error, first_seen_at, last_seen_at)
            VALUES (\(ByteBuffer(bytes: draft.digest)), \(draft.receiver), \(draft.groupKey), \(ByteBuffer(bytes: draft.body)),
                \(draft.error), \(at.nanoseconds), \(at.nanoseconds))
            ON CONFLICT (body_sha256) DO UPDATE SET
                attempts = dead_letters.attempts + 1, last_seen_at = EXCLUDED.last_seen_at, error = EXCLUDED.error
            RETURNING id
            """).first
        guard let id = try row?.decode(Int64.self) else { throw PostgresStoreError.noRowReturned("keep dead letter") }
        return id
    }

    func recordSignature(mac: [UInt8], timestamp: Int64, forgetBefore: Int64) throws -> Bool {
        send("DELETE FROM seen_signatures WHERE request_ts < \(forgetBefore)")
        return try !run("""
            INSERT INTO seen_signatures (mac, request_ts) VALUES (\(ByteBuffer(bytes: mac)), \(timestamp))
            ON CONFLICT DO NOTHING RETURNING 1
            """).rows.isEmpty
    }
}
