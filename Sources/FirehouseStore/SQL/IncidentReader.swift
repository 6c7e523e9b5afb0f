import FirehouseCore
import GRDB

/// Read queries; runs on any connection (readers never block the writer in WAL mode).
struct IncidentReader {
    let db: Database

    private static let headColumns = """
        id, correlation_key, receiver, title, labels, severity, severity_pinned, status, opened_at,
        acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts, drill
        """

    func exists(id: Int64) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM incidents WHERE id = ?"), arguments: [id]) ?? false
    }

    func head(id: Int64) throws -> IncidentHead? {
        var row = try RawStatement(db, sql: "SELECT \(Self.headColumns) FROM incidents WHERE id = ?")
        row.bind(id)
        guard try row.next() else { return nil }
        defer { row.reset() }
        return Self.head(from: row)
    }

    /// One statement for the whole page: alert counts come from a correlated subquery on the
    /// `(incident_id, status)` index instead of a query per incident.
    /// Rows are read through SQLite's C API (`RawStatement`): with 10,000 open incidents, GRDB's
    /// row decoding was most of the page's time.
    func page(_ query: IncidentQuery) throws -> IncidentPage {
        let statuses = query.status.statuses.map(\.rawValue)
        let placeholders = statuses.map { _ in "?" }.joined(separator: ", ")
        // Both alert counts from one pass over the incident's `(incident_id, status)` index entries,
        // packed as all << 32 | firing: one subquery per row instead of two.
        var sql = """
            SELECT \(Self.headColumns),
                (SELECT (COUNT(*) << 32) | COALESCE(SUM(status = 'firing'), 0) FROM alerts WHERE alerts.incident_id = incidents.id)
            FROM incidents WHERE status IN (\(placeholders))
            """
        if query.before != nil { sql += " AND id < ?" }
        sql += " ORDER BY id DESC LIMIT ?"
        var rows = try RawStatement(db, sql: sql)
        for status in statuses { rows.bind(status) }
        if let before = query.before { rows.bind(before) }
        rows.bind(query.limit + 1)
        var summaries: [IncidentSummary] = []
        summaries.reserveCapacity(min(query.limit + 1, 1024))
        while try rows.next() {
            let counts = rows.int64(16)
            summaries.append(IncidentSummary(head: Self.head(from: rows), alertCount: Int(counts >> 32),
                                             firingAlertCount: Int(counts & 0xFFFF_FFFF)))
        }
        var next: Int64?
        if summaries.count > query.limit {
            summaries.removeLast()
            next = summaries.last?.head.id
        }
        return IncidentPage(incidents: summaries, next: next)
    }

    /// The `headColumns` of the current row.
    static func head(from row: RawStatement) -> IncidentHead {
        func time(_ index: Int32) -> Timestamp? { row.optionalInt64(index).map(Timestamp.init(nanoseconds:)) }
        return IncidentHead(
            id: row.int64(0), correlationKey: row.text(1), receiver: row.text(2), title: row.text(3),
            labels: JSONText.decode(row.text(4)), severity: Severity(rawValue: Int(row.int64(5))) ?? .sev3,
            severityPinned: row.int64(6) != 0,
            milestones: .init(
                status: IncidentStatus(rawValue: row.text(7)) ?? .triggered, acknowledgedAt: time(9),
                mitigatedAt: time(10), resolvedAt: time(11), closedAt: time(12)),
            openedAt: Timestamp(nanoseconds: row.int64(8)), reopenCount: Int(row.int64(13)), truncatedAlerts: Int(row.int64(14)),
            drill: row.int64(15) != 0)
    }

    func summary(of head: IncidentHead) throws -> IncidentSummary {
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT COUNT(*), COALESCE(SUM(status = 'firing'), 0) FROM alerts WHERE incident_id = ?
            """), arguments: [head.id])
        return IncidentSummary(head: head, alertCount: row?[0] ?? 0, firingAlertCount: row?[1] ?? 0)
    }

    func detail(id: Int64) throws -> IncidentDetail? {
        guard let head = try head(id: id) else { return nil }
        return IncidentDetail(summary: try summary(of: head), alerts: try alerts(incidentID: id),
                              timeline: try timeline(incidentID: id), roles: try roles(incidentID: id),
                              runbooks: try runbookIDs(incidentID: id))
    }

    func alerts(incidentID: Int64) throws -> [AlertRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT fingerprint, status, labels, annotations, starts_at, ends_at, generator_url, first_seen_at, last_seen_at
            FROM alerts WHERE incident_id = ? ORDER BY id
            """), arguments: [incidentID]).map { row in
            AlertRecord(
                fingerprint: row[0], status: AlertStatus(rawValue: row[1]) ?? .firing,
                labels: JSONText.decode(row[2]), annotations: JSONText.decode(row[3]),
                startsAt: Timestamp(nanoseconds: row[4]), endsAt: (row[5] as Int64?).map(Timestamp.init(nanoseconds:)),
                generatorURL: row[6], firstSeenAt: Timestamp(nanoseconds: row[7]), lastSeenAt: Timestamp(nanoseconds: row[8]))
        }
    }

    func timeline(incidentID: Int64) throws -> [TimelineEntry] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, at, kind, actor, text, data FROM timeline WHERE incident_id = ? ORDER BY id
            """), arguments: [incidentID]).map { row in
            Self.entry(id: row[0], at: row[1], kind: row[2], actor: row[3], text: row[4], data: row[5])
        }
    }

    /// A timeline row's columns as an entry: its typed event is read from the stored kind and data.
    static func entry(id: Int64, at: Int64, kind: String, actor: String, text: String, data: String) -> TimelineEntry {
        TimelineEntry(id: id, at: Timestamp(nanoseconds: at), kind: kind, actor: actor, text: text, data: JSONText.decode(data))
    }

    func roles(incidentID: Int64) throws -> [RoleAssignment] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, role, user_id, user_name, started_at, ended_at, assigned_by FROM roles
            WHERE incident_id = ? ORDER BY id
            """), arguments: [incidentID]).map { row in
            RoleAssignment(id: row[0], role: row[1], user: ChatUser(id: row[2], name: row[3]),
                           from: Timestamp(nanoseconds: row[4]), to: (row[5] as Int64?).map(Timestamp.init(nanoseconds:)),
                           assignedBy: row[6])
        }
    }

    /// Attached runbook ids, in attachment order.
    func runbookIDs(incidentID: Int64) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: """
            SELECT runbook_id FROM incident_runbooks WHERE incident_id = ? ORDER BY attached_at, rowid
            """), arguments: [incidentID])
    }

    func postmortem(incidentID: Int64, version: Int?) throws -> StoredPostmortem? {
        let row: Row? = if let version {
            try Row.fetchOne(db, sql: "SELECT version, generated_at, markdown FROM postmortems WHERE incident_id = ? AND version = ?",
                             arguments: [incidentID, version])
        } else {
            try Row.fetchOne(db, sql: """
                SELECT version, generated_at, markdown FROM postmortems WHERE incident_id = ? ORDER BY version DESC LIMIT 1
                """, arguments: [incidentID])
        }
        return row.map { StoredPostmortem(version: $0[0], generatedAt: Timestamp(nanoseconds: $0[1]), markdown: $0[2]) }
    }
}
