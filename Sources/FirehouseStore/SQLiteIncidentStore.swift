import FirehouseCore
import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The embedded SQLite implementation of `IncidentStore` (WAL, a WAL flush per commit group, group commit).
public final class SQLiteIncidentStore: IncidentStore {
    let pool: DatabasePool
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
    public init(options: Options) throws {
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
                // Checkpoints run in the background (checkpointPassive); this keeps the WAL bounded
                // (about 32 MB) if they stop, and under sustained writes is what restarts the WAL:
                // a background checkpoint never finishes before the next commit appends (README).
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
        self.committer = GroupCommitter(maxBatch: options.maxBatch)
        self.onCommit = options.onCommit
    }

    /// One writer: `keys` need no lock.
    public func groupWrite<T: Sendable>(locking keys: [String], _ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        let committed = try await committer.submit({ tx in try body(tx) }) { [self] batch in try await self.commit(batch) }
        try await syncer.sync(after: committed.ticket)
        return committed.value as! T  // the script above returns T
    }

    /// Writes a batch in one transaction. Optimistic: the whole batch first, without savepoints
    /// (their page journal was a fifth of the writer's time); if anything in it fails, the
    /// transaction is rolled back and the batch written again with each script in its own
    /// savepoint, so that one bad notification fails alone while the rest still commit together.
    func commit(_ batch: [GroupCommitter.Script]) async throws -> [GroupCommitter.Outcome] {
        let start = ContinuousClock.now
        defer { onCommit?(ContinuousClock.now - start, batch.count) }
        try syncer.refuseIfBroken()
        var results: [Result<any Sendable, any Error>]
        var mark: Int64
        do {
            (results, mark) = try await pool.write { db in
                let tx = SQLiteTransaction(db: db)
                let results: [Result<any Sendable, any Error>] = try batch.map { script in .success(try script(tx)) }
                return (results, try Self.outboxMark(db))
            }
        } catch {
            do {
                (results, mark) = try await pool.write { db in
                    let tx = SQLiteTransaction(db: db)
                    let results = batch.map { script in
                        Result {
                            var outcome: (any Sendable)?
                            try db.inSavepoint {
                                outcome = try script(tx)
                                return .commit
                            }
                            return outcome!
                        }.mapError(Self.ingestError)
                    }
                    return (results, try Self.outboxMark(db))
                }
            } catch {
                throw Self.storageError(error)
            }
        }
        let ticket = await syncer.ticket(outboxMark: mark)
        return results.map { $0.map { GroupCommitter.Committed(value: $0, ticket: ticket) } }
    }

    /// SQLite's own failures are `StorageUnavailable` (503: Alertmanager retries); an error a
    /// transaction script threw (a domain error, a cancellation) passes through as it is.
    static func storageError(_ error: any Error) -> any Error {
        error is DatabaseError ? StorageUnavailable(reason: String(describing: error)) : error
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

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReads) throws -> T) async throws -> T {
        try await readDatabase { db in try body(SQLiteTransaction(db: db)) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await writeDatabase { db in try body(SQLiteTransaction(db: db)) }
    }

    public func durableOutboxID() async -> Int64 { await syncer.durableOutboxID }

    /// One transaction, answered once it is on disk.
    func writeDatabase<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
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

    /// One process owns the database file, so it holds every lease.
    public func claimLease(_ name: String, owner: String, until: Timestamp, now: Timestamp) async throws -> Bool { true }

    public func checkReady() async throws {
        if let broken = await syncer.broken { throw broken }  // with the errno, for /readyz
        try await readDatabase { db in
            guard try Migrations.migrator.hasCompletedMigrations(db) else {
                throw StorageUnavailable(reason: "database is not migrated")
            }
        }
    }

    func readDatabase<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
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
