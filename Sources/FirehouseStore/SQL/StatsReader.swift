import FirehouseCore
import GRDB

/// Loads what statistics need for incidents opened in a window (one scan, no per-incident queries).
struct StatsReader {
    let db: Database

    func records(_ query: StatsQuery) throws -> [StatsRecord] {
        var records: [Int64: StatsRecord] = [:]
        var order: [Int64] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, severity, status, opened_at, acknowledged_at, mitigated_at, resolved_at, reopen_count, labels, drill
            FROM incidents WHERE opened_at >= ? AND opened_at < ? ORDER BY id
            """, arguments: [query.since.nanoseconds, query.until.nanoseconds])
        while let row = try rows.next() {
            func time(_ i: Int) -> Timestamp? { (row[i] as Int64?).map(Timestamp.init(nanoseconds:)) }
            let id: Int64 = row[0]
            var record = StatsRecord(
                id: id, severity: Severity(rawValue: row[1]) ?? .sev3, status: IncidentStatus(rawValue: row[2]) ?? .triggered,
                openedAt: Timestamp(nanoseconds: row[3]), acknowledgedAt: time(4), mitigatedAt: time(5), resolvedAt: time(6),
                reopenCount: row[7], drill: row[9])
            if let service = JSONText.decode(row[8])["service"] { record.services.insert(service) }
            records[id] = record
            order.append(id)
        }
        guard let first = order.first, let last = order.last else { return [] }
        let labels = try Row.fetchCursor(db, sql: """
            SELECT incident_id, json_extract(labels, '$.service'), json_extract(labels, '$.alertname')
            FROM alerts WHERE incident_id BETWEEN ? AND ?
            """, arguments: [first, last])
        while let row = try labels.next() {
            let id: Int64 = row[0]
            guard records[id] != nil else { continue }
            if let service: String = row[1] { records[id]!.services.insert(service) }
            if let name: String = row[2] { records[id]!.alertnames.insert(name) }
        }
        return order.compactMap { records[$0] }.filter { query.service == nil || $0.services.contains(query.service!) }
    }
}
