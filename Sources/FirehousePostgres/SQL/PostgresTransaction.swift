import FirehouseCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// The storage primitives as PostgreSQL statements on one connection inside the caller's
/// transaction. It runs on a thread of the store's blocking pool and waits for statements whose
/// answer it needs (the primitives are synchronous, see `IncidentStore`); a write whose answer it
/// does not need is only sent, since the connection runs its statements in order: the next
/// statement waited for (at the latest COMMIT) comes after it and reports its failure. Each wait is
/// a wake-up of this thread and of the event loop, and postgres-nio sends one statement at a time,
/// so ingest's reads are one call (`lockAndCorrelate`) and a new incident one statement
/// (`openIncident`). In a write transaction an incident's head is read `FOR UPDATE`: a change by another
/// replica waits, then reads what that one wrote.
final class PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    let logger: Logger
    let writing: Bool
    let statements: ConnectionStatements
    /// Statements sent and not yet waited for, in the order sent.
    private var unsettled: [EventLoopFuture<Void>] = []
    /// Correlation keys to lock, held back so the candidates read can take them in its own round
    /// trip (`lockAndCorrelate`); any other statement sends them first.
    private var pendingLocks: [String] = []
    /// Correlation keys locked so far (a group's are all taken first).
    private var heldLocks: Set<String> = []
    /// The heads `lockAndCorrelate` locked and read, for the `incidentSnapshots` call that
    /// follows it; dropped by any other statement.
    private var prefetched: [Int64: AttachedSnapshot]?
    /// A group's reads for all its bodies (`shareCorrelationReads`).
    private var shared: SharedCorrelationReads?
    /// Candidates reads made so far (for tests).
    private(set) var correlationReads = 0

    init(connection: PostgresConnection, statements: ConnectionStatements, logger: Logger, writing: Bool) {
        self.connection = connection
        self.statements = statements
        self.logger = logger
        self.writing = writing
    }

    /// Runs `query` after everything sent before it and returns its answer. A statement sent
    /// earlier that failed is this one's cause (the transaction is aborted from there on), so its
    /// error is the one thrown.
    @discardableResult
    func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try beforeStatement()
        return try wait(connection.query(query, logger: logger))
    }

    /// Sends `query` without waiting for it: a write whose answer nobody needs.
    func send(_ query: PostgresQuery) throws {
        try beforeStatement()
        unsettled.append(connection.query(query, logger: logger).map { _ in })
    }

    /// `run` for a hot statement (prepared on this connection before its first BEGIN, or here if
    /// it is not among `hotStatements`); its rows as cells.
    /// postgres-nio's older prepared-statement API asks for binary results but describes them in
    /// the formats the server described at preparation (text), so every cell is read as binary.
    @discardableResult
    func run(_ statement: HotStatement, _ binds: [PostgresData]) throws -> [[PostgresCell]] {
        try beforeStatement()
        return try wait(try prepared(statement).execute(binds)).map { row in
            row.map { cell in
                var binary = cell
                binary.format = .binary
                return binary
            }
        }
    }

    /// `send` for a hot statement.
    func send(_ statement: HotStatement, _ binds: [PostgresData]) throws {
        try beforeStatement()
        unsettled.append(try prepared(statement).execute(binds).map { _ in })
    }

    /// Commits. Locks asked for but not yet taken guard nothing read or written, so they are not
    /// taken for it (a wait for one would only delay the commit).
    func commit() throws -> PostgresQueryResult {
        pendingLocks = []
        return try run("COMMIT")
    }

    /// Rolls back; locks not yet taken are not taken for it.
    func rollback() throws {
        pendingLocks = []
        try run("ROLLBACK")
    }

    /// Before every statement: held-back locks go first (the candidates read has taken them into
    /// its own call by then), and prefetched heads no longer hold (the statement may change them).
    private func beforeStatement() throws {
        // postgres-nio never answers a statement sent on a closed connection.
        if connection.isClosed { throw DriverError(underlying: ConnectionClosed()) }
        prefetched = nil
        guard !pendingLocks.isEmpty else { return }
        let keys = pendingLocks
        pendingLocks = []
        heldLocks.formUnion(keys)
        try send(Self.lockKeys, [bind(keys)])
    }

    /// Prepares every hot statement this connection lacks, all sent at once: called before BEGIN,
    /// so no transaction holds a lock while PostgreSQL parses them (a new connection's first
    /// transaction would otherwise hold its correlation keys through several extra round trips).
    /// A connection this store knows nothing of (new, or forgotten by the cache, or whose
    /// statements were lost) first drops whatever it had prepared, under names nobody will use.
    func prepareHotStatements() throws {
        guard statements.prepared.count < Self.hotStatements.count else { return }
        if statements.prepared.isEmpty { try send("DEALLOCATE ALL") }
        let missing = Self.hotStatements.filter { statements.prepared[$0.sql] == nil }
        let preparing = missing.map { ($0.sql, connection.prepare(query: $0.sql)) }
        var failure: (any Error)?
        // Every answer is awaited and every success kept, so a failure leaves nothing unnamed behind.
        for (sql, answer) in preparing {
            do {
                statements.prepared[sql] = try wait(answer)
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    private func prepared(_ statement: HotStatement) throws -> PreparedQuery {
        if let known = statements.prepared[statement.sql] { return known }
        let prepared = try wait(connection.prepare(query: statement.sql))
        statements.prepared[statement.sql] = prepared
        return prepared
    }

    private func wait<T: Sendable>(_ answer: EventLoopFuture<T>) throws -> T {
        let result = Result { try Self.wait(for: answer, on: connection) }
        try settle()
        do {
            return try result.get()
        } catch {
            throw DriverError(underlying: error)
        }
    }

    /// Throws the first failure among the statements sent so far, once all of them have answered.
    func settle() throws {
        let sent = unsettled
        unsettled.removeAll()
        for statement in sent {
            do {
                try Self.wait(for: statement, on: connection)
            } catch {
                throw DriverError(underlying: error)
            }
        }
    }

    /// `answer.wait()`, except that it gives up once `connection` has closed: postgres-nio fails
    /// what is in flight when a connection closes, but a statement written as it closes is never
    /// answered, and its thread, the connection and every group behind them would wait for good.
    /// The check is once a second; an answer wakes the wait at once, as `wait()` does.
    static func wait<T: Sendable>(for answer: EventLoopFuture<T>, on connection: PostgresConnection) throws -> T {
        let outcome = NIOLockedValueBox<Result<T, any Error>?>(nil)
        let answered = ConditionLock(value: false)
        answer.whenComplete { result in
            outcome.withLockedValue { $0 = result }
            answered.lock()
            answered.unlock(withValue: true)
        }
        while !answered.lock(whenValue: true, timeoutSeconds: 1) {
            if connection.isClosed, outcome.withLockedValue({ $0 }) == nil { throw ConnectionClosed() }
        }
        answered.unlock()
        return try outcome.withLockedValue { $0 }!.get()
    }

    /// Every hot statement, for the test that checks their plans.
    static let hotStatements = [candidates, lockAndCorrelate, lockHeads, snapshots, lockKeys, insertIncident, openIncident, updateIncident, insertAlerts,
                                updateAlerts, appendTimeline, enqueueDeliveries, touchAlerts, attachRunbook]

    static let headColumns = """
        id, correlation_key, receiver, title, labels, severity, severity_pinned, status, opened_at,
        acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts, drill
        """

    private static func head(_ row: PostgresRow) throws -> IncidentHead {
        try head(Array(row))
    }

    /// The head from the first cells of a row that starts with `headColumns`.
    private static func head(_ cells: [PostgresCell]) throws -> IncidentHead {
        func cell<T: PostgresDecodable>(_ index: Int, _: T.Type = T.self) throws -> T { try cells[index].decode(T.self) }
        let (id, key, receiver, title, labels, severity, pinned, status) = (
            try cell(0, Int64.self), try cell(1, String.self), try cell(2, String.self), try cell(3, String.self),
            try cell(4, String.self), try cell(5, Int.self), try cell(6, Bool.self), try cell(7, String.self))
        let (openedAt, ackAt, mitAt, resAt, closedAt, reopens, truncated) = (
            try cell(8, Int64.self), try cell(9, Int64?.self), try cell(10, Int64?.self), try cell(11, Int64?.self),
            try cell(12, Int64?.self), try cell(13, Int.self), try cell(14, Int.self))
        let drill = try cell(15, Bool.self)
        return IncidentHead(
            id: id, correlationKey: key, receiver: receiver, title: title, labels: JSONText.decode(labels),
            severity: Severity(rawValue: severity) ?? .sev3, severityPinned: pinned,
            milestones: .init(status: IncidentStatus(rawValue: status) ?? .triggered, acknowledgedAt: ackAt.map { Timestamp(nanoseconds: $0) },
                              mitigatedAt: mitAt.map { Timestamp(nanoseconds: $0) }, resolvedAt: resAt.map { Timestamp(nanoseconds: $0) },
                              closedAt: closedAt.map { Timestamp(nanoseconds: $0) }),
            openedAt: Timestamp(nanoseconds: openedAt), reopenCount: reopens, truncatedAlerts: truncated, drill: drill)
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
            let total = try cells[16].decode(Int.self)
            let firing = try cells[17].decode(Int.self)
            summaries.append(IncidentSummary(head: try Self.head(cells), alertCount: total, firingAlertCount: firing))
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
            SELECT id, severity, status, opened_at, acknowledged_at, mitigated_at, resolved_at, reopen_count, labels, drill
            FROM incidents WHERE opened_at >= \(query.since.nanoseconds) AND opened_at < \(query.until.nanoseconds) ORDER BY id
            """) {
            let (id, severity, status, openedAt, ackAt, mitAt, resAt, reopens, labels, drill) =
                try row.decode((Int64, Int, String, Int64, Int64?, Int64?, Int64?, Int, String, Bool).self)
            var record = StatsRecord(
                id: id, severity: Severity(rawValue: severity) ?? .sev3, status: IncidentStatus(rawValue: status) ?? .triggered,
                openedAt: Timestamp(nanoseconds: openedAt), acknowledgedAt: ackAt.map { Timestamp(nanoseconds: $0) },
                mitigatedAt: mitAt.map { Timestamp(nanoseconds: $0) }, resolvedAt: resAt.map { Timestamp(nanoseconds: $0) }, reopenCount: reopens,
                drill: drill)
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

    func incidentCountsByStatus() throws -> [IncidentStatus: Int] {
        var counts: [IncidentStatus: Int] = [:]
        for row in try run("SELECT status, COUNT(*) FROM incidents GROUP BY 1") {
            let (status, count) = try row.decode((String, Int).self)
            if let status = IncidentStatus(rawValue: status) { counts[status] = count }
        }
        return counts
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

    /// The episodes, then each key's active incident, then each key's newest incident (kept when
    /// resolved), told apart by the first column. Every lookup is a LATERAL ... LIMIT 1: a plain
    /// join's generic plan, made while the tables are small, hash-joins every alert of the receiver.
    static let candidates = HotStatement("""
        SELECT 0, k.fingerprint, k.starts_at, a.id, a.incident_id, a.status, a.annotations, a.generator_url
        FROM unnest($1::text[], $2::bigint[]) AS k (fingerprint, starts_at)
        CROSS JOIN LATERAL (
            SELECT id, incident_id, status, annotations, generator_url FROM alerts
            WHERE receiver = $3::text AND fingerprint = k.fingerprint AND starts_at = k.starts_at LIMIT 1) a
        UNION ALL
        SELECT 1, k.key, NULL, NULL, i.id, i.status, NULL, NULL FROM unnest($4::text[]) AS k (key)
        CROSS JOIN LATERAL (
            SELECT id, status FROM incidents WHERE correlation_key = k.key AND status NOT IN ('resolved', 'closed')
            ORDER BY id DESC LIMIT 1) i
        UNION ALL
        SELECT 2, k.key, NULL, NULL, i.id, i.status, NULL, NULL FROM unnest($4::text[]) AS k (key)
        CROSS JOIN LATERAL (SELECT id, status FROM incidents WHERE correlation_key = k.key ORDER BY id DESC LIMIT 1) i
        """)

    /// In one round trip: the pending correlation locks, `candidates` (kinds 0-2), then the locked
    /// heads of every incident found (kind 3, as `snapshots` reads them, from column 8).
    /// PostgreSQL migration v4 has the function and says why its reads see their predecessors' commits.
    static let lockAndCorrelate = HotStatement("""
        SELECT * FROM firehouse_lock_and_correlate($1::text[], $2::bigint[], $3::text, $4::text[], $5::text[])
        """)

    func correlationCandidates(_ lookup: CorrelationLookup) throws -> CorrelationCandidates {
        guard !lookup.episodes.isEmpty || !lookup.keys.isEmpty else { return CorrelationCandidates() }
        guard writing else { return try read(lookup).candidates }
        // In a write, the locks and the heads come with the candidates, so the snapshots need no
        // round trip of their own (even when a group took the keys before); in a group, they may
        // have come for every body at once.
        let (candidates, heads) = try shared?.serve(lookup) ?? read(lookup)
        shared?.touch(lookup, found: candidates)
        prefetched = heads
        return candidates
    }

    /// Reads for every body of a group at once (`SharedCorrelationReads`), taking the pending locks
    /// with them; each body's `correlationCandidates` is then served from them while they hold.
    func shareCorrelationReads(_ lookups: [CorrelationLookup]) throws {
        guard writing, let covered = SharedCorrelationReads.covered(lookups), !covered.episodes.isEmpty || !covered.keys.isEmpty else { return }
        let (found, heads) = try read(CorrelationLookup(receiver: covered.receiver, episodes: covered.episodes, keys: covered.keys))
        shared = SharedCorrelationReads(receiver: covered.receiver, episodes: covered.episodes, keys: covered.keys, found: found, heads: heads)
    }

    /// The next body of a group declares what it will read; a body that declares nothing may
    /// write anything, so the shared reads end with it.
    func startBody(reading lookup: CorrelationLookup?) {
        if lookup == nil { shared = nil }
    }

    /// One candidates read: in a write, `lockAndCorrelate`, which takes the pending locks first and
    /// returns the locked heads too.
    private func read(_ lookup: CorrelationLookup) throws -> (candidates: CorrelationCandidates, heads: [Int64: AttachedSnapshot]) {
        let episodes = Array(lookup.episodes)
        var binds = [bind(episodes.map(\.fingerprint)), bind(episodes.map(\.startsAt.nanoseconds)), bind(lookup.receiver),
                     bind(Array(lookup.keys))]
        var statement = Self.candidates
        if writing {
            binds.append(bind(pendingLocks))
            heldLocks.formUnion(pendingLocks)
            pendingLocks = []
            statement = Self.lockAndCorrelate
        }
        correlationReads += 1
        var candidates = CorrelationCandidates()
        var heads: [Int64: AttachedSnapshot] = [:]
        for row in try run(statement, binds) {
            if try row[0].decode(Int.self) == 3 {
                let snapshot = try Self.snapshot(Array(row[8...]))
                heads[snapshot.snapshot.head.id] = snapshot
                continue
            }
            let (kind, key, startsAt, episodeID) = (try row[0].decode(Int.self), try row[1].decode(String.self),
                                                    try row[2].decode(Int64?.self), try row[3].decode(Int64?.self))
            let (incidentID, status, annotations, url) = (try row[4].decode(Int64.self), try row[5].decode(String.self),
                                                          try row[6].decode(String?.self), try row[7].decode(String?.self))
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
        return (candidates, heads)
    }

    static let lockHeads = HotStatement("SELECT 1 FROM incidents WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE")
    static let snapshots = HotStatement("""
        SELECT \(headColumns),
            (SELECT COUNT(*) FROM alerts a WHERE a.incident_id = i.id AND a.status = 'firing'),
            ARRAY(SELECT r.runbook_id FROM incident_runbooks r WHERE r.incident_id = i.id)
        FROM incidents i WHERE id = ANY($1::bigint[])
        """)

    /// One statement for the heads, counts and runbooks. In a write the heads are locked first by
    /// a statement of their own, sent ahead: this one then starts after the locks are held, so its
    /// snapshot sees what their previous holders committed.
    /// Served by the `lockAndCorrelate` just before when it locked and read all of `ids`.
    func incidentSnapshots(ids: [Int64]) throws -> [Int64: AttachedSnapshot] {
        guard !ids.isEmpty else { return [:] }
        if let prefetched, ids.allSatisfy({ prefetched[$0] != nil }) {
            self.prefetched = nil
            return prefetched.filter { ids.contains($0.key) }
        }
        if writing { try send(Self.lockHeads, [bind(ids)]) }
        var snapshots: [Int64: AttachedSnapshot] = [:]
        for cells in try run(Self.snapshots, [bind(ids)]) {
            let snapshot = try Self.snapshot(cells)
            snapshots[snapshot.snapshot.head.id] = snapshot
        }
        return snapshots
    }

    /// A row that starts with `headColumns`, then the firing count and the runbooks.
    private static func snapshot(_ cells: [PostgresCell]) throws -> AttachedSnapshot {
        let head = try Self.head(cells)
        let firing = try cells[16].decode(Int.self)
        let runbooks = try cells[17].decode([String].self)
        return AttachedSnapshot(snapshot: IncidentSnapshot(head: head, firingAlerts: firing), runbooks: Set(runbooks))
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

    func openingCount(target: String, since: Timestamp) throws -> Int {
        try run("SELECT COUNT(*) FROM outbox WHERE event = 'opened' AND target = \(target) AND created_at >= \(since.nanoseconds)")
            .first?.decode(Int.self) ?? 0
    }

    func pendingOpenings(target: String, through: Int64, limit: Int) throws -> [(id: Int64, at: Timestamp)] {
        try run("""
            SELECT id, created_at FROM outbox
            WHERE state = 'pending' AND target = \(target) AND event = 'opened' AND id <= \(through) ORDER BY id LIMIT \(limit)
            """).map { row in
            let (id, at) = try row.decode((Int64, Int64).self)
            return (id: id, at: Timestamp(nanoseconds: at))
        }
    }

    func impactRecords(endingAfter since: Timestamp) throws -> [ImpactRecord] {
        var records: [Int64: ImpactRecord] = [:]
        var order: [Int64] = []
        for row in try run("""
            SELECT id, drill, opened_at, mitigated_at, resolved_at, labels,
                (SELECT MIN(starts_at) FROM alerts WHERE alerts.incident_id = incidents.id), status
            FROM incidents WHERE resolved_at IS NULL OR resolved_at >= \(since.nanoseconds) OR status NOT IN ('resolved', 'closed') ORDER BY id
            """) {
            let (id, drill, openedAt, mitAt, resAt, labels, first, status) =
                try row.decode((Int64, Bool, Int64, Int64?, Int64?, String, Int64?, String).self)
            records[id] = ImpactRecord(id: id, drill: drill, status: IncidentStatus(rawValue: status) ?? .triggered,
                                       openedAt: Timestamp(nanoseconds: openedAt),
                                       firstAlertAt: first.map { Timestamp(nanoseconds: $0) }, mitigatedAt: mitAt.map { Timestamp(nanoseconds: $0) },
                                       resolvedAt: resAt.map { Timestamp(nanoseconds: $0) }, labelSets: [JSONText.decode(labels)])
            order.append(id)
        }
        guard !order.isEmpty else { return [] }
        for row in try run("SELECT DISTINCT incident_id, labels FROM alerts WHERE incident_id = ANY(\(order))") {
            let (id, labels) = try row.decode((Int64, String).self)
            records[id]?.labelSets.append(JSONText.decode(labels))
        }
        return order.compactMap { records[$0] }
    }

    func heartbeat(name: String) throws -> Timestamp? {
        try run("SELECT last_seen_at FROM heartbeats WHERE name = \(name)").first.map { Timestamp(nanoseconds: try $0.decode(Int64.self)) }
    }

    func chatThread(incidentID: Int64, target: String) throws -> ChatThread? {
        try run("SELECT channel, ts FROM chat_threads WHERE incident_id = \(incidentID) AND target = \(target)").first.map { row in
            let (channel, ts) = try row.decode((String, String).self)
            return ChatThread(channel: channel, ts: ts)
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

    static let lockKeys = HotStatement("SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k")

    /// Held back until the next statement: the candidates read takes them in its round trip.
    func lockCorrelationKeys(_ keys: [String]) throws {
        let new = Set(keys).subtracting(heldLocks)
        guard !new.isEmpty else { return }
        // Sorted, so two transactions wanting the same keys take them in the same order.
        pendingLocks = Array(new.union(pendingLocks)).sorted()
    }

    static let insertIncident = HotStatement("""
        INSERT INTO incidents (correlation_key, receiver, title, labels, severity, severity_pinned, status,
            opened_at, acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts, updated_at, drill)
        VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::boolean, $7::text, $8::bigint, $9::bigint, $10::bigint,
            $11::bigint, $12::bigint, $13::bigint, $14::bigint, $15::bigint, $16::boolean)
        RETURNING id
        """)

    func insertIncident(_ head: IncidentHead, at: Timestamp) throws -> Int64 {
        let m = head.milestones
        let row = try run(Self.insertIncident, [
            bind(head.correlationKey), bind(head.receiver), bind(head.title), bind(JSONText.encode(head.labels)),
            bind(head.severity.rawValue), bind(head.severityPinned), bind(m.status.rawValue), bind(head.openedAt.nanoseconds),
            bind(m.acknowledgedAt?.nanoseconds), bind(m.mitigatedAt?.nanoseconds), bind(m.resolvedAt?.nanoseconds),
            bind(m.closedAt?.nanoseconds), bind(head.reopenCount), bind(head.truncatedAlerts), bind(at.nanoseconds), bind(head.drill),
        ]).first
        guard let id = try row?.first?.decode(Int64.self) else { throw PostgresStoreError.noRowReturned("insert incident") }
        return id
    }

    /// `openIncident` as one statement: the rows of every table go in by data-modifying CTEs on
    /// the incident's new id; foreign keys are checked at the statement's end, after all of them.
    /// Timeline ids are drawn in insertion order (ORDER BY n), so the k-th smallest returned id is
    /// the k-th entry's, which the outbox rows join on.
    static let openIncident = HotStatement("""
        WITH i AS (
            INSERT INTO incidents (correlation_key, receiver, title, labels, severity, severity_pinned, status,
                opened_at, acknowledged_at, mitigated_at, resolved_at, closed_at, reopen_count, truncated_alerts, updated_at, drill)
            VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::boolean, $7::text, $8::bigint, $9::bigint, $10::bigint,
                $11::bigint, $12::bigint, $13::bigint, $14::bigint, $15::bigint, $16::boolean)
            RETURNING id
        ), a AS (
            INSERT INTO alerts (incident_id, receiver, fingerprint, starts_at, status, ends_at, labels, annotations,
                generator_url, first_seen_at, last_seen_at)
            SELECT i.id, r, f, s, st, NULLIF(e, -9223372036854775808), l, an, g, $15::bigint, $15::bigint
            FROM i, unnest($17::text[], $18::text[], $19::bigint[], $20::text[], $21::bigint[], $22::text[], $23::text[], $24::text[])
                WITH ORDINALITY AS t (r, f, s, st, e, l, an, g, n)
            ORDER BY n
        ), t AS (
            INSERT INTO timeline (incident_id, at, kind, actor, text, data)
            SELECT i.id, at, kind, actor, text, data
            FROM i, unnest($25::bigint[], $26::text[], $27::text[], $28::text[], $29::text[])
                WITH ORDINALITY AS u (at, kind, actor, text, data, n)
            ORDER BY n
            RETURNING id
        ), o AS (
            INSERT INTO outbox (incident_id, timeline_id, target, event, created_at, next_attempt_at)
            SELECT i.id, e.id, d.g, d.ev, d.at, d.at
            FROM i, unnest($30::bigint[], $31::text[], $32::text[], $33::bigint[]) WITH ORDINALITY AS d (k, g, ev, at, n)
            JOIN (SELECT id, row_number() OVER (ORDER BY id) AS k FROM t) e ON e.k = d.k
            ORDER BY d.n
        ), b AS (
            INSERT INTO incident_runbooks (incident_id, runbook_id, attached_at)
            SELECT i.id, rb, $15::bigint FROM i, unnest($34::text[]) WITH ORDINALITY AS x (rb, n)
            ORDER BY n
            ON CONFLICT DO NOTHING
        )
        SELECT i.id, ARRAY(SELECT id FROM t ORDER BY id) FROM i
        """)

    func openIncident(_ opening: IncidentOpening) throws -> OpenedIncident {
        let (head, m, at) = (opening.head, opening.head.milestones, opening.at)
        let (alerts, entries, stored) = (opening.alerts, opening.entries, opening.entries.map(\.stored))
        let row = try run(Self.openIncident, [
            bind(head.correlationKey), bind(head.receiver), bind(head.title), bind(JSONText.encode(head.labels)),
            bind(head.severity.rawValue), bind(head.severityPinned), bind(m.status.rawValue), bind(head.openedAt.nanoseconds),
            bind(m.acknowledgedAt?.nanoseconds), bind(m.mitigatedAt?.nanoseconds), bind(m.resolvedAt?.nanoseconds),
            bind(m.closedAt?.nanoseconds), bind(head.reopenCount), bind(head.truncatedAlerts), bind(at.nanoseconds), bind(head.drill),
            bind(alerts.map(\.alert.receiver)), bind(alerts.map(\.alert.alert.fingerprint)),
            bind(alerts.map(\.alert.alert.startsAt.nanoseconds)), bind(alerts.map(\.alert.alert.status.rawValue)),
            bind(alerts.map { $0.alert.endsAt?.nanoseconds ?? .min }), bind(alerts.map(\.stored.labels)),
            bind(alerts.map(\.stored.annotations)), bind(alerts.map(\.alert.alert.generatorURL)),
            bind(entries.map(\.at.nanoseconds)), bind(stored.map(\.kind)), bind(entries.map(\.actor)),
            bind(entries.map(\.text)), bind(stored.map { JSONText.encode($0.data) }),
            // Entries are numbered from 1 in SQL, as row_number() counts.
            bind(opening.deliveries.map { Int64($0.entry + 1) }), bind(opening.deliveries.map(\.target)),
            bind(opening.deliveries.map(\.event.rawValue)), bind(opening.deliveries.map { entries[$0.entry].at.nanoseconds }),
            bind(opening.runbooks),
        ]).first
        guard let row, row.count == 2 else { throw PostgresStoreError.noRowReturned("open incident") }
        return OpenedIncident(id: try row[0].decode(Int64.self), timelineIDs: try row[1].decode([Int64].self))
    }

    static let updateIncident = HotStatement("""
        UPDATE incidents SET title = $2::text, severity = $3::bigint, severity_pinned = $4::boolean, status = $5::text,
            acknowledged_at = $6::bigint, mitigated_at = $7::bigint, resolved_at = $8::bigint, closed_at = $9::bigint,
            reopen_count = $10::bigint, truncated_alerts = $11::bigint, updated_at = $12::bigint
        WHERE id = $1::bigint
        """)

    func updateIncident(_ head: IncidentHead, at: Timestamp) throws {
        let m = head.milestones
        try send(Self.updateIncident, [
            bind(head.id), bind(head.title), bind(head.severity.rawValue), bind(head.severityPinned), bind(m.status.rawValue),
            bind(m.acknowledgedAt?.nanoseconds), bind(m.mitigatedAt?.nanoseconds), bind(m.resolvedAt?.nanoseconds),
            bind(m.closedAt?.nanoseconds), bind(head.reopenCount), bind(head.truncatedAlerts), bind(at.nanoseconds),
        ])
    }

    func insertAlert(_ new: NewAlert, stored: PreparedNotification.EncodedAlert, incidentID: Int64, at: Timestamp) throws {
        try insertAlerts([(new, stored)], incidentID: incidentID, at: at)
    }

    /// Arrays are unnested in order; a missing `endsAt` travels as Int64.min, since arrays here
    /// carry no NULLs.
    static let insertAlerts = HotStatement("""
        INSERT INTO alerts (incident_id, receiver, fingerprint, starts_at, status, ends_at, labels, annotations,
            generator_url, first_seen_at, last_seen_at)
        SELECT $1::bigint, r, f, s, st, NULLIF(e, -9223372036854775808), l, a, g, $2::bigint, $2::bigint
        FROM unnest($3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[])
            WITH ORDINALITY AS t (r, f, s, st, e, l, a, g, n)
        ORDER BY n
        """)

    func insertAlerts(_ alerts: [(alert: NewAlert, stored: PreparedNotification.EncodedAlert)], incidentID: Int64,
                      at: Timestamp) throws {
        guard !alerts.isEmpty else { return }
        try send(Self.insertAlerts, [
            bind(incidentID), bind(at.nanoseconds), bind(alerts.map(\.alert.receiver)), bind(alerts.map(\.alert.alert.fingerprint)),
            bind(alerts.map(\.alert.alert.startsAt.nanoseconds)), bind(alerts.map(\.alert.alert.status.rawValue)),
            bind(alerts.map { $0.alert.endsAt?.nanoseconds ?? .min }), bind(alerts.map(\.stored.labels)),
            bind(alerts.map(\.stored.annotations)), bind(alerts.map(\.alert.alert.generatorURL)),
        ])
    }

    func updateAlert(_ change: AlertUpdate, at: Timestamp) throws {
        try updateAlerts([change], at: at)
    }

    /// `alerts.id = ANY(...)` bounds the scan by the primary key whatever the plan joins with.
    static let updateAlerts = HotStatement("""
        UPDATE alerts SET status = u.st, ends_at = NULLIF(u.e, -9223372036854775808), annotations = u.an,
            generator_url = u.g, last_seen_at = $1::bigint
        FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[]) AS u (id, st, e, an, g)
        WHERE alerts.id = ANY($2::bigint[]) AND alerts.id = u.id
        """)

    func updateAlerts(_ changes: [AlertUpdate], at: Timestamp) throws {
        guard !changes.isEmpty else { return }
        try send(Self.updateAlerts, [
            bind(at.nanoseconds), bind(changes.map(\.episodeID)), bind(changes.map(\.status.rawValue)),
            bind(changes.map { $0.endsAt?.nanoseconds ?? .min }), bind(changes.map { JSONText.encode($0.annotations) }),
            bind(changes.map(\.generatorURL)),
        ])
    }

    func appendTimeline(_ entry: TimelineDraft, incidentID: Int64) throws -> Int64 {
        guard let id = try appendTimeline([entry], incidentID: incidentID).first else {
            throw PostgresStoreError.noRowReturned("append timeline")
        }
        return id
    }

    /// Identity values are drawn in insertion order, which ORDER BY n fixes: sorted ids are the
    /// entries' ids.
    static let appendTimeline = HotStatement("""
        INSERT INTO timeline (incident_id, at, kind, actor, text, data)
        SELECT $1::bigint, at, kind, actor, text, data
        FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t (at, kind, actor, text, data, n)
        ORDER BY n
        RETURNING id
        """)

    func appendTimeline(_ entries: [TimelineDraft], incidentID: Int64) throws -> [Int64] {
        guard !entries.isEmpty else { return [] }
        let stored = entries.map(\.stored)
        return try run(Self.appendTimeline, [
            bind(incidentID), bind(entries.map(\.at.nanoseconds)), bind(stored.map(\.kind)), bind(entries.map(\.actor)),
            bind(entries.map(\.text)), bind(stored.map { JSONText.encode($0.data) }),
        ]).map { try $0[0].decode(Int64.self) }.sorted()
    }

    func enqueueDelivery(incidentID: Int64, timelineID: Int64, target: String, event: OutboundEvent, at: Timestamp) throws {
        try enqueueDeliveries([QueuedDelivery(timelineID: timelineID, target: target, event: event, at: at)], incidentID: incidentID)
    }

    static let enqueueDeliveries = HotStatement("""
        INSERT INTO outbox (incident_id, timeline_id, target, event, created_at, next_attempt_at)
        SELECT $1::bigint, t, g, e, a, a
        FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS u (t, g, e, a, n)
        ORDER BY n
        """)

    func enqueueDeliveries(_ deliveries: [QueuedDelivery], incidentID: Int64) throws {
        guard !deliveries.isEmpty else { return }
        try send(Self.enqueueDeliveries, [
            bind(incidentID), bind(deliveries.map(\.timelineID)), bind(deliveries.map(\.target)),
            bind(deliveries.map(\.event.rawValue)), bind(deliveries.map(\.at.nanoseconds)),
        ])
    }

    static let touchAlerts = HotStatement("UPDATE alerts SET last_seen_at = $1::bigint WHERE id = ANY($2::bigint[])")

    func touchAlerts(_ episodeIDs: [Int64], at: Timestamp) throws {
        guard !episodeIDs.isEmpty else { return }
        try send(Self.touchAlerts, [bind(at.nanoseconds), bind(episodeIDs)])
    }

    static let attachRunbook = HotStatement("""
        INSERT INTO incident_runbooks (incident_id, runbook_id, attached_at) VALUES ($1::bigint, $2::text, $3::bigint)
        ON CONFLICT DO NOTHING
        """)

    func attachRunbook(_ runbookID: String, incidentID: Int64, at: Timestamp) throws {
        try send(Self.attachRunbook, [bind(incidentID), bind(runbookID), bind(at.nanoseconds)])
    }

    func endRole(assignmentID: Int64, at: Timestamp) throws {
        try send("UPDATE roles SET ended_at = \(at.nanoseconds) WHERE id = \(assignmentID)")
    }

    func startRole(_ start: IncidentActions.RoleStart, incidentID: Int64, assignedBy: String, at: Timestamp) throws {
        try send("""
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
        try send("""
            INSERT INTO silences (incident_id, silence_id, matchers, starts_at, ends_at, created_by, comment)
            VALUES (\(incidentID), \(silenceID), \(JSONText.encode(request.matchers)), \(request.startsAt.nanoseconds),
                \(request.endsAt.nanoseconds), \(createdBy), \(request.comment))
            """)
    }

    func expireSilence(_ silenceID: String, incidentID: Int64, by: String, at: Timestamp) throws {
        try send("""
            UPDATE silences SET expired_at = \(at.nanoseconds), expired_by = \(by)
            WHERE incident_id = \(incidentID) AND silence_id = \(silenceID) AND expired_at IS NULL
            """)
    }

    func recordEscalation(incidentID: Int64, at: Timestamp) throws {
        try send("""
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

    func recordHeartbeat(name: String, at: Timestamp) throws {
        _ = try run("""
            INSERT INTO heartbeats (name, last_seen_at) VALUES (\(name), \(at.nanoseconds))
            ON CONFLICT (name) DO UPDATE SET last_seen_at = GREATEST(heartbeats.last_seen_at, excluded.last_seen_at)
            """)
    }

    func saveChatThread(_ thread: ChatThread, incidentID: Int64, target: String, at: Timestamp) throws {
        _ = try run("""
            INSERT INTO chat_threads (incident_id, target, channel, ts, created_at)
            VALUES (\(incidentID), \(target), \(thread.channel), \(thread.ts), \(at.nanoseconds))
            ON CONFLICT (incident_id, target) DO UPDATE SET channel = excluded.channel, ts = excluded.ts
            """)
    }

    func recordSignature(mac: [UInt8], timestamp: Int64, forgetBefore: Int64) throws -> Bool {
        try send("DELETE FROM seen_signatures WHERE request_ts < \(forgetBefore)")
        return try !run("""
            INSERT INTO seen_signatures (mac, request_ts) VALUES (\(ByteBuffer(bytes: mac)), \(timestamp))
            ON CONFLICT DO NOTHING RETURNING 1
            """).rows.isEmpty
    }
}
