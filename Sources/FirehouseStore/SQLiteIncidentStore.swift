import FirehouseCore
import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The embedded SQLite implementation of `IncidentRepository` (WAL, `synchronous=FULL`, group commit).
public final class SQLiteIncidentStore: IncidentRepository {
    let pool: DatabasePool
    let correlator: Correlator
    let clock: any FirehouseCore.Clock
    let runbooks: RunbookShelf
    let drafter: PostmortemDrafter?
    let routes: NotificationRoutes
    private let committer: GroupCommitter
    let syncer: WALSyncer
    /// A connection of its own for checkpoints, so copying the WAL into the database file (and its
    /// fsync) happens beside commits instead of inside one.
    private let checkpointer: DatabaseQueue
    private let onCommit: (@Sendable (Duration, Int) -> Void)?

    /// Where the database lives and how it commits.
    public struct Options: Sendable {
        public var path: String
        /// Wait this long for a lock held by another process (e.g. a backup) before failing.
        public var busyTimeoutSeconds: Double
        /// Most notifications one transaction commits together.
        public var maxBatch: Int
        /// Told how long each ingest transaction took and how many notifications it held.
        public var onCommit: (@Sendable (Duration, Int) -> Void)?

        /// Flushes the WAL file descriptor and returns 0 or an errno; nil is `fdatasync`. For tests.
        public var flushWAL: (@Sendable (Int32) -> Int32)?
        /// Told how long each WAL flush took.
        public var onSync: (@Sendable (Duration) -> Void)?
        /// Told once, when a WAL flush fails: from then on nothing commits (see `WALSyncer`).
        public var onBroken: (@Sendable (StorageUnavailable) -> Void)?

        public init(path: String, busyTimeoutSeconds: Double = 5, maxBatch: Int = 256,
                    onCommit: (@Sendable (Duration, Int) -> Void)? = nil,
                    flushWAL: (@Sendable (Int32) -> Int32)? = nil, onSync: (@Sendable (Duration) -> Void)? = nil,
                    onBroken: (@Sendable (StorageUnavailable) -> Void)? = nil) {
            self.path = path
            self.busyTimeoutSeconds = busyTimeoutSeconds
            self.maxBatch = maxBatch
            self.onCommit = onCommit
            self.flushWAL = flushWAL
            self.onSync = onSync
            self.onBroken = onBroken
        }
    }

    /// Opens (creating if missing) and migrates the database.
    public init(options: Options, correlator: Correlator, clock: any FirehouseCore.Clock,
                runbooks: RunbookShelf = RunbookShelf(), drafter: PostmortemDrafter? = nil,
                routes: NotificationRoutes = NotificationRoutes()) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(options.busyTimeoutSeconds)
        configuration.foreignKeysEnabled = true
        do {
            if let slash = options.path.lastIndex(of: "/"), slash != options.path.startIndex {
                let directory = String(options.path[..<slash])
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            pool = try DatabasePool(path: options.path, configuration: configuration)
            // A 2xx must survive power loss, not just a process crash: every write awaits `syncer`,
            // an fdatasync of the WAL after its commit (what FULL does inside COMMIT, but beside the
            // next transaction instead of in the writer's way). NORMAL is GRDB's WAL default; it is
            // stated here because durability depends on it being paired with the syncer.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // Checkpoints run in the background (checkpointPassive); this is only a safety net
                // that keeps the WAL bounded (about 32 MB) if they stop.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 8000")
                // A savepoint keeps a copy of every page it first touches; on disk (the default) that
                // copy spilled to a temporary file, a third of ingest's writes when each notification
                // had one (now only a failed group is written again with them).
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
            try Migrations.migrator.migrate(pool)
            var checkpointConfiguration = Configuration()
            checkpointConfiguration.busyMode = .timeout(options.busyTimeoutSeconds)
            checkpointer = try DatabaseQueue(path: options.path, configuration: checkpointConfiguration)
            let outboxMark = try pool.read(Self.outboxMark)
            let syncer = try WALSyncer(walPath: options.path + "-wal", flush: options.flushWAL ?? WALSyncer.fdatasyncFlush,
                                       onSync: options.onSync, onBroken: options.onBroken, durableOutboxID: outboxMark)
            self.syncer = syncer
            // After a failed flush no transaction may commit, whichever path writes it (GRDB,
            // RawStatement): the gate rolls it back at COMMIT, and the caller gets a 503.
            let gate = CommitGate(syncer: syncer)
            pool.writeWithoutTransaction { db in db.add(transactionObserver: gate, extent: .databaseLifetime) }
        } catch {
            throw StorageUnavailable(reason: "cannot open \(options.path): \(error)")
        }
        self.correlator = correlator
        self.clock = clock
        self.runbooks = runbooks
        self.drafter = drafter
        self.routes = routes
        self.committer = GroupCommitter(maxBatch: options.maxBatch)
        self.onCommit = options.onCommit
    }

    public func ingest(_ notification: AlertmanagerNotification) async throws -> [IngestResult] {
        let committed = try await committer.submit(PreparedNotification(notification, runbooks: runbooks.library)) { [self] batch in
            try await self.commit(batch)
        }
        try await syncer.sync(after: committed.ticket)
        return committed.results
    }

    /// Writes a batch in one transaction. Optimistic: the whole batch first, without savepoints
    /// (their page journal was a fifth of the writer's time); if anything in it fails, the
    /// transaction is rolled back and the batch written again with each notification in its own
    /// savepoint, so that one bad notification fails alone while the rest still commit together.
    func commit(_ batch: [PreparedNotification]) async throws -> [Result<GroupCommitter.Committed, any Error>] {
        let correlator = self.correlator
        let clock = self.clock
        let routes = self.routes
        let start = ContinuousClock.now
        defer { onCommit?(ContinuousClock.now - start, batch.count) }
        try syncer.refuseIfBroken()
        var results: [Result<[IngestResult], any Error>]
        var mark: Int64
        do {
            (results, mark) = try await pool.write { db in
                let results: [Result<[IngestResult], any Error>] = try batch.map { notification in
                    .success(try IngestWriter(db: db, routes: routes).apply(notification, correlator: correlator, now: clock.now()))
                }
                return (results, try Self.outboxMark(db))
            }
        } catch {
            do {
                (results, mark) = try await pool.write { db in
                    let results = batch.map { notification in
                        Result {
                            var outcome: [IngestResult] = []
                            try db.inSavepoint {
                                outcome = try IngestWriter(db: db, routes: routes).apply(notification, correlator: correlator, now: clock.now())
                                return .commit
                            }
                            return outcome
                        }.mapError(Self.ingestError)
                    }
                    return (results, try Self.outboxMark(db))
                }
            } catch {
                throw Self.storageError(error)
            }
        }
        let ticket = await syncer.ticket(outboxMark: mark)
        return results.map { $0.map { GroupCommitter.Committed(results: $0, ticket: ticket) } }
    }

    static func storageError(_ error: any Error) -> any Error {
        if error is StorageUnavailable || error is CancellationError { return error }
        return StorageUnavailable(reason: String(describing: error))
    }

    /// One notification's failure inside a group that otherwise committed: SQLite trouble a retry
    /// can outlive (busy, locked, I/O, full, read-only, ...) stays `StorageUnavailable` (503, so
    /// Alertmanager retries); anything else (a constraint, a bug) is `NotificationRejected`,
    /// which would fail the same way on every retry.
    static func ingestError(_ error: any Error) -> any Error {
        if error is StorageUnavailable || error is CancellationError || error is NotificationRejected { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_CONSTRAINT, .SQLITE_MISMATCH, .SQLITE_TOOBIG, .SQLITE_RANGE:
                return NotificationRejected(reason: "\(error.resultCode): \(error.message ?? "")")
            default:
                return StorageUnavailable(reason: String(describing: error))
            }
        }
        return NotificationRejected(reason: String(describing: error))
    }

    /// The highest outbox id a transaction can see; read inside it, handed to the syncer.
    static func outboxMark(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM outbox") ?? 0
    }

    public func incidents(_ query: IncidentQuery) async throws -> IncidentPage {
        try await read { db in try IncidentReader(db: db).page(query) }
    }

    public func incident(id: Int64) async throws -> IncidentDetail? {
        try await read { db in try IncidentReader(db: db).detail(id: id) }
    }

    public func timeline(incidentID: Int64) async throws -> [TimelineEntry]? {
        try await read { db in
            let reader = IncidentReader(db: db)
            guard try reader.exists(id: incidentID) else { return nil }
            return try reader.timeline(incidentID: incidentID)
        }
    }

    public func declare(title: String, severity: Severity, actor: Actor) async throws -> IncidentHead {
        let now = clock.now()
        let routes = self.routes
        return try await write { db in try ActionWriter(db: db, routes: routes).declare(title: title, severity: severity, actor: actor, now: now) }
    }

    public func perform(_ action: IncidentAction, on id: Int64, actor: Actor) async throws -> ActionResult {
        let now = clock.now()
        let drafter = self.drafter
        let routes = self.routes
        return try await write { db in try ActionWriter(db: db, routes: routes).perform(action, on: id, actor: actor, now: now, drafter: drafter) }
    }

    // MARK: - Outbox, escalation, silences

    public func dueDeliveries(target: String?) async throws -> [PendingDelivery] {
        let now = clock.now()
        let routes = self.routes
        // Only rows whose commit is on disk: a chat message must not announce what a power loss
        // could still erase (and reused ids would then repeat an Idempotency-Key). A read, so
        // polling never queues behind ingest for the writer.
        let durable = await syncer.durableOutboxID
        let (due, unknown) = try await read { db in try OutboxQueue(db: db, routes: routes).due(now: now, through: durable, target: target) }
        if !unknown.isEmpty {
            // Rows a newer version wrote would block their target's queue forever: give them up.
            try await write { db in
                let queue = OutboxQueue(db: db, routes: routes)
                for id in unknown { try queue.finish(id, .failed(reason: "unknown event"), now: now) }
            }
        }
        return due
    }

    @discardableResult
    public func finishDelivery(_ id: Int64, _ decision: DeliveryPolicy.Decision) async throws -> TimelineDraft? {
        let now = clock.now()
        let routes = self.routes
        return try await write { db in try OutboxQueue(db: db, routes: routes).finish(id, decision, now: now) }
    }

    public func outboxDepth() async throws -> [OutboxDepth] {
        let routes = self.routes
        return try await read { db in try OutboxQueue(db: db, routes: routes).depth() }
    }

    public func pruneDeliveries(finishedBefore cutoff: Timestamp) async throws -> Int {
        let routes = self.routes
        return try await write { db in try OutboxQueue(db: db, routes: routes).prune(finishedBefore: cutoff) }
    }

    public func escalate(_ policy: EscalationPolicy) async throws -> [Escalation] {
        let now = clock.now()
        let routes = self.routes
        return try await write { db in try EscalationWriter(db: db, routes: routes).escalate(policy, now: now) }
    }

    public func recordSilence(_ silenceID: String, request: SilenceRequest, incidentID: Int64, actor: Actor) async throws -> TimelineDraft? {
        let routes = self.routes
        return try await write { db in
            guard try IncidentReader(db: db).exists(id: incidentID) else { return nil }
            return try SilenceWriter(db: db, routes: routes).record(silenceID, request: request, incidentID: incidentID, actor: actor)
        }
    }

    public func activeSilences(incidentID: Int64) async throws -> [RecordedSilence]? {
        let now = clock.now()
        let routes = self.routes
        return try await read { db in
            guard try IncidentReader(db: db).exists(id: incidentID) else { return nil }
            return try SilenceWriter(db: db, routes: routes).active(incidentID: incidentID, now: now)
        }
    }

    public func expireSilences(_ silenceIDs: [String], incidentID: Int64, actor: Actor) async throws -> TimelineDraft {
        let now = clock.now()
        let routes = self.routes
        return try await write { db in
            try SilenceWriter(db: db, routes: routes).expire(silenceIDs, incidentID: incidentID, actor: actor, now: now)
        }
    }

    /// One transaction, answered once it is on disk.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try syncer.refuseIfBroken()
        let value: T
        let mark: Int64
        do {
            (value, mark) = try await pool.write { db in (try body(db), try Self.outboxMark(db)) }
        } catch {
            throw Self.storageError(error)
        }
        try await syncer.sync(after: await syncer.ticket(outboxMark: mark))
        return value
    }

    /// Whether a WAL flush failed (then nothing commits until a restart); readable without waiting.
    public var isBroken: Bool { syncer.failed.load(ordering: .acquiring) }

    public func postmortem(incidentID: Int64, version: Int?) async throws -> StoredPostmortem? {
        try await read { db in try IncidentReader(db: db).postmortem(incidentID: incidentID, version: version) }
    }

    public func stats(_ query: StatsQuery) async throws -> IncidentStats {
        IncidentStats.compute(try await read { db in try StatsReader(db: db).records(query) })
    }

    public func openIncidentCounts() async throws -> [OpenIncidentCount] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT severity, status, COUNT(*) FROM incidents WHERE status NOT IN ('resolved', 'closed') GROUP BY 1, 2
                """).compactMap { row in
                guard let severity = Severity(rawValue: row[0]), let status = IncidentStatus(rawValue: row[1]) else { return nil }
                return OpenIncidentCount(severity: severity, status: status, count: row[2])
            }
        }
    }

    public func checkReady() async throws {
        if let broken = await syncer.broken { throw broken }  // with the errno, for /readyz
        try await read { db in
            guard try Migrations.migrator.hasCompletedMigrations(db) else {
                throw StorageUnavailable(reason: "database is not migrated")
            }
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw Self.storageError(error)
        }
    }

    /// Copies committed WAL frames into the database file without blocking writers or readers.
    /// Refused once a flush failed: what the WAL holds is then unknown, and a restart's recovery
    /// must start from what is really on disk.
    public func checkpointPassive() async throws {
        try syncer.refuseIfBroken()
        try await checkpointer.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
    }

    /// Checkpoints the whole WAL and truncates it; call at shutdown, after the last write.
    public func checkpoint() async throws {
        try syncer.refuseIfBroken()
        try await pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
    }
}
