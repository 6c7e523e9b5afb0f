import FirehouseCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// Storage on PostgreSQL, for several replicas on one database. Transactions run at READ
/// COMMITTED on a thread of a blocking pool, one pooled connection each; ingest takes a
/// transaction-scoped advisory lock per correlation key, and heads are read `FOR UPDATE` in
/// writes, so two replicas given the same notification make one incident (unique indexes are the
/// backstop). A commit is durable when it returns (`synchronous_commit` on); ingest shares
/// transactions under load (`PostgresGroups`). Run it as a service (`run()` runs the connection pool).
public final class PostgresIncidentStore: IncidentStore, Service {
    let client: PostgresClient
    let threads: NIOThreadPool
    let logger: Logger
    public let options: PostgresOptions
    /// How long a transaction may wait for a connection before the caller is told 503.
    let connectDeadline: Duration
    /// How long a transaction may take once it runs before its connection is closed (a 503).
    let transactionDeadline: Duration
    private let migrated = NIOLockedValueBox(false)
    private let migration = NIOLockedValueBox<Task<Void, any Error>?>(nil)
    let statements: PreparedStatements
    let groups: PostgresGroups

    /// `transactionDeadline` is far beyond any healthy transaction (every statement is cut at 15 s,
    /// every lock wait at 5 s): it is for a connection that stopped answering without closing.
    public init(options: PostgresOptions, logger: Logger, connectDeadline: Duration = .seconds(5),
                transactionDeadline: Duration = .seconds(60)) throws {
        self.options = options
        self.logger = logger
        self.connectDeadline = connectDeadline
        self.transactionDeadline = transactionDeadline
        var config = PostgresClient.Configuration(
            host: options.host, port: options.port, username: options.username, password: options.password,
            database: options.database, tls: try Self.tls(options))
        config.options.maximumConnections = options.maxConnections
        statements = PreparedStatements(limit: 4 * options.maxConnections)
        // Few groups at a time, so that under load each carries several notifications (fewer
        // round trips and commits each); the other connections stay free for reads and commands.
        // One group per core (at least two; at most half the connections): on 2 cores, 2 groups took 15-30% more storm
        // notifications/s than 4 and 40-150% more than 1 (bench/postgres.sh, alternating runs).
        groups = PostgresGroups(concurrency: min(max(2, ProcessInfo.processInfo.activeProcessorCount), max(1, options.maxConnections / 2)),
                                maxBatch: 16)
        config.options.connectTimeout = connectDeadline
        // A killed replica's locks and transactions must not outlive it by more than seconds.
        config.options.additionalStartupParameters = [
            ("application_name", "firehouse \(options.replica)"),
            ("statement_timeout", "15s"),
            ("lock_timeout", "5s"),
            ("idle_in_transaction_session_timeout", "10s"),
            ("client_connection_check_interval", "1s"),
            ("synchronous_commit", "on"),
            // The hot statements are prepared once per connection; plan them once too.
            ("plan_cache_mode", "force_generic_plan"),
        ]
        client = PostgresClient(configuration: config, backgroundLogger: logger)
        threads = NIOThreadPool(numberOfThreads: options.maxConnections)
        threads.start()
    }

    deinit { threads.shutdownGracefully { _ in } }

    static func tls(_ options: PostgresOptions) throws -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = options.caFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        switch options.tls {
        case .disable: return .disable
        case .prefer:
            tls.certificateVerification = .none
            return .prefer(tls)
        case .require:
            tls.certificateVerification = options.caFile == nil ? .none : .noHostnameVerification
            return .require(tls)
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        case .verifyFull:
            tls.certificateVerification = .fullVerification
            return .require(tls)
        }
    }

    /// Runs the connection pool until graceful shutdown.
    public func run() async throws {
        await client.run()
    }

    // MARK: - IncidentStore

    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReads) throws -> T) async throws -> T {
        try await transaction(writing: false, ingest: false) { try body($0) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await transaction(writing: true, ingest: false) { try body($0) }
    }

    /// Group commit (`PostgresGroups`): bodies that arrive while every group is being written
    /// share the next transaction.
    public func groupWrite<T: Sendable>(locking keys: [String], _ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await group(keys: keys, lookup: nil, body)
    }

    /// `groupWrite(locking:)` whose group reads every body's candidates in one call at its start.
    public func groupWrite<T: Sendable>(correlating lookup: CorrelationLookup,
                                        _ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await group(keys: Array(lookup.keys), lookup: lookup, body)
    }

    private func group<T: Sendable>(keys: [String], lookup: CorrelationLookup?,
                                    _ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await groups.submit(keys: keys, lookup: lookup, { try body($0) }) { batch in await self.write(batch) } as! T  // the script returns T
    }

    /// One transaction for the group: every body's correlation keys first, in one order, with
    /// every body's correlation reads (one round trip for the group, not one per body), then the
    /// bodies in turn. If that fails for any reason but PostgreSQL being out of reach (one body's
    /// data or script, a lock timeout, a deadlock), each body runs again alone, so it commits or
    /// fails on its own; out of reach, all are told at once (503), not one connect timeout each.
    private func write(_ batch: [PostgresGroups.Item]) async {
        var alone = batch[...]
        if batch.count > 1 {
            do {
                let keys = Array(Set(batch.flatMap(\.keys)))
                // No retry here: a deadlock or a backstop is retried by each body alone.
                let values = try await rawTransaction(writing: true, attempts: 1) { tx in
                    try tx.lockCorrelationKeys(keys)
                    // Up to the first body that declares no lookup: the shared reads end with it.
                    try tx.shareCorrelationReads(batch.prefix { $0.lookup != nil }.compactMap(\.lookup))
                    return try batch.map { item in
                        tx.startBody(reading: item.lookup)
                        return try item.script(tx)
                    }
                }
                for (item, value) in zip(batch, values) { item.continuation.resume(returning: value) }
                return
            } catch where Self.isUnreachable(error) {
                alone = []
                let unavailable = Self.storageError(error, ingest: true, logger: logger)
                for item in batch { item.continuation.resume(throwing: unavailable) }
            } catch {
                logger.debug("group write failed, writing each alone", metadata: ["count": "\(batch.count)", "error": "\(error)"])
            }
        }
        while let item = alone.popFirst() {
            do {
                item.continuation.resume(returning: try await rawTransaction(writing: true) { tx in try item.script(tx) })
            } catch {
                let mapped = Self.storageError(error, ingest: true, logger: logger)
                item.continuation.resume(throwing: mapped)
                if Self.isUnreachable(error) {
                    while let rest = alone.popFirst() { rest.continuation.resume(throwing: mapped) }
                }
            }
        }
    }

    /// Every commit is durable once it returns.
    public func durableOutboxID() async -> Int64 { .max }

    public func checkReady() async throws {
        let latest = try await transaction(writing: false, ingest: false) { tx in
            try tx.run("SELECT COALESCE(MAX(version), 0) FROM firehouse_migrations").first?.decode(Int.self) ?? 0
        }
        guard latest >= PostgresMigrations.all.count else {
            throw StorageUnavailable(reason: "the schema is at version \(latest), this version needs \(PostgresMigrations.all.count)")
        }
    }

    public func claimLease(_ name: String, owner: String, until: Timestamp, now: Timestamp) async throws -> Bool {
        try await transaction(writing: true, ingest: false) { tx in
            try !tx.run("""
                INSERT INTO leases (name, owner, until) VALUES (\(name), \(owner), \(until.nanoseconds))
                ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, until = EXCLUDED.until
                WHERE leases.owner = EXCLUDED.owner OR leases.until <= \(now.nanoseconds)
                RETURNING owner
                """).rows.isEmpty
        }
    }

    // MARK: - Transactions

    private func transaction<T: Sendable>(writing: Bool, ingest: Bool,
                                          _ body: @escaping @Sendable (PostgresTransaction) throws -> T) async throws -> T {
        do {
            return try await rawTransaction(writing: writing, body)
        } catch {
            throw Self.storageError(error, ingest: ingest, logger: logger)
        }
    }

    /// `transaction` with the driver's errors as they are (`storageError` maps them).
    private func rawTransaction<T: Sendable>(writing: Bool, attempts: Int = 3,
                                             _ body: @escaping @Sendable (PostgresTransaction) throws -> T) async throws -> T {
        try await migrateOnce()
        var attempt = 1
        while true {
            do {
                return try await onConnection(limit: transactionDeadline) { connection in
                    try Self.run(connection, statements: self.statements.on(connection), writing: writing, logger: self.logger, body)
                }
            } catch {
                // A serialization failure or deadlock rolled everything back; so did a backstop
                // index (another replica won a race the locks should have prevented): run it again.
                if attempt < attempts, Self.isRetriable(error) {
                    attempt += 1
                    continue
                }
                throw error
            }
        }
    }

    /// A pooled connection for `body`, which runs on a thread of the blocking pool. Waiting for
    /// the connection is bounded (PostgreSQL down or failing over is a 503, not a hung request):
    /// a body either starts before the wait's deadline or never runs, so a caller told 503 has
    /// nothing written behind its back. A running body is cut off only by `limit`: a connection that stops answering
    /// without closing (its host lost, a partition dropping packets) would otherwise hold this
    /// thread, the connection and every group queued behind it for good. Its connection is then
    /// closed, which fails what waits on it; the outcome of a COMMIT already sent is unknown, so
    /// ingest, which is safe to run again, answers 503.
    private func onConnection<T: Sendable>(limit: Duration,
                                           _ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let start = NIOLockedValueBox(Race.undecided)  // body: it started; other: the caller gave up
        let deadline = connectDeadline
        let unavailable = StorageUnavailable(reason: "no PostgreSQL connection within \(deadline)")
        let logger = logger
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                let outcome: Result<T, any Error>
                do {
                    outcome = try await self.client.withConnection { connection in
                        guard start.withLockedValue({ $0.claim(.body) }) else { return .failure(unavailable) }
                        // body: it finished; other: the watchdog closes the connection. Decided
                        // once, so the watchdog never closes a connection already back in the pool.
                        let watch = NIOLockedValueBox(Race.undecided)
                        let watchdog = connection.eventLoop.scheduleTask(in: TimeAmount(limit)) {
                            guard watch.withLockedValue({ $0.claim(.other) }) else { return }
                            logger.error("PostgreSQL transaction still running after \(limit): closing its connection")
                            connection.close().whenComplete { _ in }
                        }
                        let result = try await self.threads.runIfActive { Result { try body(connection) } }
                        watchdog.cancel()
                        if !watch.withLockedValue({ $0.claim(.body) }) {
                            // Closing: the pool must see it closed before it has it back.
                            try? await connection.closeFuture.get()
                        }
                        return result
                    }
                } catch {
                    throw DriverError(underlying: error)  // the pool or the thread pool, not the body
                }
                return try outcome.get()
            }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return nil
            }
            while let next = try await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
                if start.withLockedValue({ $0.claim(.other) }) {
                    group.cancelAll()
                    throw unavailable
                }
            }
            throw StorageUnavailable(reason: "PostgreSQL transaction ended without a result")
        }
    }

    /// Two sides racing for one decision, the first to claim wins: a body starting on its
    /// connection or its caller giving up the wait; a body finishing or its watchdog firing.
    private enum Race {
        case undecided, body, other

        /// Claims the decision for `side`; false if the other side has it.
        mutating func claim(_ side: Race) -> Bool {
            guard self == .undecided else { return false }
            self = side
            return true
        }
    }

    /// One transaction of `body` on `connection`; `prepare` first prepares the hot statements the
    /// connection lacks (not for migrations, which run before their tables exist).
    static func run<T>(_ connection: PostgresConnection, statements: ConnectionStatements, writing: Bool, prepare: Bool = true,
                       logger: Logger, _ body: (PostgresTransaction) throws -> T) throws -> T {
        let tx = PostgresTransaction(connection: connection, statements: statements, logger: logger, writing: writing)
        if prepare { try tx.prepareHotStatements() }
        // Reads see one snapshot; writes are READ COMMITTED so a lock waiter sees its predecessor's commit.
        try tx.send(writing ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        do {
            let result = try body(tx)
            // A transaction that failed (a script that caught a store error and went on) answers
            // COMMIT with ROLLBACK and no error: that must not look like success.
            guard try tx.commit().metadata.command != "ROLLBACK" else {
                throw DriverError(underlying: PostgresStoreError.commitRolledBack)
            }
            return result
        } catch {
            // ROLLBACK also settles what was sent. A failed statement among those is the real
            // cause even when the script then threw an error of its own (say a deadlock, which
            // is retried, behind a domain error that would not be).
            var cause = error
            do {
                try tx.rollback()
            } catch let driver as DriverError where !(error is DriverError) && serverError(driver) != nil {
                cause = driver
            } catch {}
            // Statements lost by the server (DEALLOCATE, a pooler) or whose plans no longer fit
            // the tables are prepared again by the retry.
            if ["26000", "0A000"].contains(sqlState(cause)) { statements.prepared.removeAll() }
            if endsConnection(sqlState: sqlState(cause)) { connection.close().whenComplete { _ in } }
            // A row that does not decode is the driver's trouble, not the script's.
            throw cause is PostgresDecodingError ? DriverError(underlying: cause) : cause
        }
    }

    // MARK: - Migrations

    /// The first transactions of a new store wait for one migration, not one each: a burst at
    /// start would otherwise queue every connection on the migration lock.
    private func migrateOnce() async throws {
        if migrated.withLockedValue({ $0 }) { return }
        let migration = migration.withLockedValue { running in
            if let running { return running }
            let task = Task {
                do {
                    // Beyond its own statement timeout (10 min): a migration that stops getting answers ends too.
                    try await self.onConnection(limit: .seconds(660)) { connection in
                        try Self.run(connection, statements: self.statements.on(connection), writing: true, prepare: false,
                                     logger: self.logger) { tx in try Self.migrate(tx) }
                    }
                } catch {
                    throw Self.storageError(error, ingest: false, logger: self.logger)
                }
            }
            running = task
            return task
        }
        do {
            try await migration.value
        } catch {
            // The next transaction tries again (PostgreSQL may be back by then).
            self.migration.withLockedValue { if $0 == migration { $0 = nil } }
            throw error
        }
        migrated.withLockedValue { $0 = true }
    }

    /// Applies the migrations this database lacks, under a lock replicas starting together share.
    static func migrate(_ tx: PostgresTransaction) throws {
        // Replicas starting together wait for the one migrating, however long its DDL takes,
        // instead of failing at the sessions' 5 s lock and 15 s statement limits.
        try tx.run("SET LOCAL lock_timeout = '5min'")
        try tx.run("SET LOCAL statement_timeout = '10min'")
        try tx.run("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))")
        try tx.run("""
            CREATE TABLE IF NOT EXISTS firehouse_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """)
        let applied = Set(try tx.run("SELECT version FROM firehouse_migrations").map { try $0.decode(Int.self) })
        for migration in PostgresMigrations.all where !applied.contains(migration.version) {
            for statement in PostgresMigrations.statements(migration.sql) {
                try tx.run(PostgresQuery(unsafeSQL: statement))
            }
            try tx.run("INSERT INTO firehouse_migrations (version, name) VALUES (\(migration.version), \(migration.name))")
        }
    }

    // MARK: - Errors

    /// What the server said of a driver error, from either of postgres-nio's error types (hot
    /// statements run through its older API, which reports `PostgresError`).
    static func serverError(_ error: any Error) -> (sqlState: String?, constraint: String?, message: String?)? {
        switch (error as? DriverError)?.underlying {
        case let psql as PSQLError:
            guard let info = psql.serverInfo else { return nil }
            return (info[.sqlState], info[.constraintName], info[.message])
        case .server(let message) as PostgresError:
            return (message.fields[.sqlState], message.fields[.constraintName], message.fields[.message])
        default:
            return nil
        }
    }

    /// PostgreSQL out of reach: no connection in time, the connection failed without the server
    /// saying why, or the server said it cannot serve (as opposed to an error of the data or the
    /// script, which is one body's own).
    static func isUnreachable(_ error: any Error) -> Bool {
        if error is StorageUnavailable { return true }
        guard let driver = error as? DriverError else { return false }
        if let server = serverError(error) { return isUnavailable(sqlState: server.sqlState) }
        return !(driver.underlying is PostgresDecodingError || driver.underlying is PostgresStoreError)
    }

    /// States in which no transaction of this replica can succeed for now: a connection
    /// exception (08, but a protocol violation is one statement's), too many connections or a
    /// full disk (53300, 53100; out of memory and a configured limit can be one body's), the
    /// server shutting down or not yet accepting (57P01-57P03), a read-only transaction (25006:
    /// the primary became a standby in a failover). Every body of a group is told 503 at once for
    /// them, instead of each running alone into the same wall.
    static func isUnavailable(sqlState: String?) -> Bool {
        guard let state = sqlState else { return false }
        return (state.hasPrefix("08") && state != "08P01") || ["53300", "53100", "57P01", "57P02", "57P03", "25006"].contains(state)
    }

    /// States after which the connection is no use: it is closed so the pool opens a new one
    /// (after a failover, to the new primary, wherever the name now points).
    static func endsConnection(sqlState: String?) -> Bool {
        ["25006", "57P01", "57P02", "57P03"].contains(sqlState)
    }

    /// The connection closed under the transaction (ours, the server's, or a connection that died):
    /// whether a COMMIT already sent took effect is unknown, and the caller is told so.
    static func closedMidTransaction(_ error: any Error) -> Bool {
        if error is ConnectionClosed { return true }
        guard let psql = error as? PSQLError else { return false }
        return psql.code == .clientClosedConnection || psql.code == .serverClosedConnection
    }

    static func sqlState(_ error: any Error) -> String? {
        serverError(error)?.sqlState
    }

    static func isRetriable(_ error: any Error) -> Bool {
        serverError(error).map { isRetriable(sqlState: $0.sqlState, constraint: $0.constraint) } ?? false
    }

    static func isRetriable(sqlState: String?, constraint: String?) -> Bool {
        switch sqlState {
        // Serialization failure, deadlock; a prepared statement the server no longer has, or
        // whose cached plan no longer matches its tables (prepared again on the retry).
        case "40001", "40P01", "26000", "0A000": return true
        case "23505":
            return ["incidents_one_open_per_key", "alerts_one_episode", "outbox_one_per_entry_and_target"].contains(constraint)
        default: return false
        }
    }

    /// A notification whose data the database refuses for good (a constraint, a byte PostgreSQL
    /// text cannot hold): a dead letter and 422. A backstop index still failing after the
    /// retries is a race lost, not bad data, so it stays a 503 that Alertmanager retries.
    static func rejectsData(sqlState: String?, constraint: String?) -> Bool {
        guard let state = sqlState, state.hasPrefix("22") || state.hasPrefix("23") else { return false }
        return !isRetriable(sqlState: state, constraint: constraint)
    }

    /// Driver and server errors become `StorageUnavailable` (503, the caller retries), except
    /// that a notification whose data the database refuses (a constraint, a byte PostgreSQL text
    /// cannot hold) is rejected for good. The driver's own text is logged, never answered. Errors
    /// of the transaction's script (domain outcomes) pass through.
    static func storageError(_ error: any Error, ingest: Bool, logger: Logger) -> any Error {
        guard let driver = error as? DriverError else { return error }
        guard let server = serverError(error) else {
            if driver.underlying is PostgresDecodingError {
                logger.error("PostgreSQL row not as expected", metadata: ["error": "\(String(reflecting: driver.underlying))"])
                return StorageUnavailable(reason: "PostgreSQL returned a row this version cannot read")
            }
            if driver.underlying is PostgresStoreError { return StorageUnavailable(reason: "PostgreSQL: \(driver.underlying)") }
            if closedMidTransaction(driver.underlying) { return StorageUnavailable(reason: "PostgreSQL unreachable: \(ConnectionClosed())") }
            return StorageUnavailable(reason: "PostgreSQL unreachable: \(driver.underlying)")
        }
        let state = server.sqlState
        let message = server.message ?? "\(driver.underlying)"
        if ingest, rejectsData(sqlState: state, constraint: server.constraint) {
            return NotificationRejected(reason: "PostgreSQL refused the data: \(message)")
        }
        logger.error("PostgreSQL error", metadata: ["error": "\(String(reflecting: driver.underlying))"])
        return StorageUnavailable(reason: "PostgreSQL: \(state.map { "\($0) " } ?? "")\(message)")
    }
}

/// An error of the driver, the pool or the server, as opposed to one a transaction script threw.
struct DriverError: Error {
    let underlying: any Error
}

/// The connection closed under a transaction (PostgreSQL went away, or the transaction's
/// deadline closed it): PostgreSQL is out of reach for it, a 503.
struct ConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the connection to PostgreSQL closed during the transaction (a change may have taken effect)" }
}

enum PostgresStoreError: Error, CustomStringConvertible {
    case noRowReturned(String)
    case commitRolledBack

    var description: String {
        switch self {
        case .noRowReturned(let what): "\(what) returned no row"
        case .commitRolledBack: "the transaction had failed, so COMMIT rolled it back"
        }
    }
}

extension PostgresIncidentStore {
    /// Runs `body` with a store whose pool runs only as long as `body` (the command-line tools).
    public static func with<T: Sendable>(_ options: PostgresOptions, logger: Logger,
                                         _ body: @escaping @Sendable (PostgresIncidentStore) async throws -> T) async throws -> T {
        let store = try PostgresIncidentStore(options: options, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await store.run()
                return nil
            }
            group.addTask { try await body(store) }
            defer { group.cancelAll() }
            while let next = try await group.next() {
                if let result = next { return result }
            }
            throw StorageUnavailable(reason: "the PostgreSQL pool stopped")
        }
    }
}
