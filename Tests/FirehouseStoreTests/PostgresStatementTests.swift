import FirehouseCore
@testable import FirehousePostgres
@testable import FirehouseService
import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import Testing

/// The PostgreSQL store's own statements: prepared ones, sent ones, and what their errors become.
@Suite(.serialized, .enabled(if: PostgresTestDatabase.adminURL != nil, "needs FIREHOUSE_TEST_POSTGRES_URL (scripts/test starts a cluster)"))
struct PostgresStatementTests {
    static let t0 = StoreConformance.t0

    /// The hot statements' generic plans, made once per connection and perhaps while the tables
    /// are empty (a fresh install's first storm), must reach rows through indexes: a plan that
    /// reads a table through, or every alert of a receiver, costs milliseconds per call once the
    /// tables grow.
    @Test func genericPlansOnEmptyTablesUseIndexes() async throws {
        // One database for all of them: a database per statement put a dozen more database
        // creations beside the HA-pair tests, which share two cores and a 5 s lock_timeout.
        let store = try await PostgresTestDatabase.store()
        try await store.checkReady()
        for statement in PostgresTransaction.hotStatements {
            let parameters = Set(statement.sql.matches(of: /\$([0-9]+)/).compactMap { Int($0.output.1) }).max() ?? 0
            let plan = try await store.write { tx in
                let tx = tx as! PostgresTransaction
                // As the store's sessions run (set here too, so the test does not lean on that).
                try tx.run("SET LOCAL plan_cache_mode = force_generic_plan")
                try tx.run(PostgresQuery(unsafeSQL: "PREPARE plan_check AS \(statement.sql)"))
                defer { _ = try? tx.run("DEALLOCATE plan_check") }
                let arguments = Array(repeating: "NULL", count: parameters).joined(separator: ", ")
                return try tx.run(PostgresQuery(unsafeSQL: "EXPLAIN EXECUTE plan_check(\(arguments))")).map { try $0.decode(String.self) }
                    .joined(separator: "\n")
            }
            #expect(plan.contains("Seq Scan") == false, "\(statement): \(plan)")
            if statement == PostgresTransaction.candidates {
                #expect(plan.contains("Index Cond: ((receiver = $3) AND (fingerprint = k.fingerprint) AND (starts_at = k.starts_at))"),
                        "\(plan)")
            }
        }
    }

    /// Ingest's reads in one round trip (`lockAndCorrelate`): the candidates and the heads they
    /// name come back together, and until the transaction ends the correlation key and every
    /// head found are locked against another replica.
    @Test func lockAndCorrelateLocksTheKeysAndHeadsItReads() async throws {
        let options = try await PostgresTestDatabase.create()
        let (store, other) = (try PostgresTestDatabase.open(options), try PostgresTestDatabase.open(options))
        let (id, alert) = try await StoreConformance.incidentWithOneAlert(store)
        let episode = EpisodeKey(fingerprint: alert.alert.fingerprint, startsAt: alert.alert.startsAt)
        /// What `other` can take while `store`'s transaction runs: (the key's advisory lock, the head's row lock).
        @Sendable func othersLocks() throws -> (key: Bool, head: Bool) {
            let done = DispatchSemaphore(value: 0)
            let outcome = NIOLockedValueBox<Result<(key: Bool, head: Bool), any Error>?>(nil)
            Task {
                let result: Result<(key: Bool, head: Bool), any Error>
                do {
                    result = .success(try await other.write { tx in
                        let tx = tx as! PostgresTransaction
                        let key = try tx.run("SELECT pg_try_advisory_xact_lock(hashtextextended('k', 0))").first!.decode(Bool.self)
                        let head = try !tx.run("SELECT 1 FROM incidents WHERE id = \(id) FOR UPDATE SKIP LOCKED").rows.isEmpty
                        return (key, head)
                    })
                } catch {
                    result = .failure(error)
                }
                outcome.withLockedValue { $0 = result }
                done.signal()
            }
            done.wait()
            return try outcome.withLockedValue { $0! }.get()
        }
        #expect(try othersLocks() == (key: true, head: true))
        let (candidates, snapshots, locks) = try await store.write { tx in
            try tx.lockCorrelationKeys(["k"])
            let candidates = try tx.correlationCandidates(CorrelationLookup(receiver: "team", episodes: [episode], keys: ["k"]))
            let locks = try othersLocks()  // before the snapshots: the candidates read took them
            return (candidates, try tx.incidentSnapshots(ids: [id]), locks)
        }
        #expect(candidates.episodes[episode]?.incidentID == id && candidates.activeByKey["k"] == id)
        #expect(snapshots[id]?.snapshot.head.correlationKey == "k" && snapshots[id]?.snapshot.firingAlerts == 1)
        #expect(locks == (key: false, head: false))
        #expect(try othersLocks() == (key: true, head: true))
    }

    /// Runs `concurrency + waiting` bodies through the store's groups, `write(index, hold)` submitting
    /// each: the first `concurrency` each hold a group of their own (their script calls `hold`) until
    /// the other `waiting` have queued behind them, so those share the next group. Returns each
    /// body's result, or nil where it failed.
    static func queuedBehindBusyGroups<T: Sendable>(_ store: PostgresIncidentStore, waiting: Int,
                                                    _ write: @escaping @Sendable (Int, _ hold: @escaping @Sendable () -> Void) async throws -> T)
        async -> [Int: T?] {
        let concurrency = store.groups.concurrency
        let gate = DispatchSemaphore(value: 0)
        let started = NIOLockedValueBox(0)
        @Sendable func hold() { if started.withLockedValue({ $0 += 1; return $0 <= concurrency }) { gate.wait() } }
        return await withTaskGroup(of: (Int, T?).self) { group in
            for index in 0..<(concurrency + waiting) {
                group.addTask { (index, try? await write(index, hold)) }
                // One at a time until every group holds one body, so each is in a group of its own;
                // then one at a time into the queue, so the next group takes them in index order.
                if index < concurrency {
                    while started.withLockedValue({ $0 }) <= index { await Task.yield() }
                } else {
                    while store.groups.waiting <= index - concurrency { await Task.yield() }
                }
            }
            for _ in 0..<concurrency { gate.signal() }
            var outcomes: [Int: T?] = [:]
            for await (index, result) in group { outcomes[index] = result }
            return outcomes
        }
    }

    static func txid(_ tx: any StoreTransaction) throws -> Int64 {
        try (tx as! PostgresTransaction).run("SELECT txid_current()").first!.decode(Int64.self)
    }

    /// Group commit: bodies that wait while every group is busy share one transaction; one that
    /// fails there fails alone: the others commit, its writes do not.
    @Test func aGroupCommitsTogetherAndABodyFailsAlone() async throws {
        let store = try await PostgresTestDatabase.store()
        try await store.checkReady()
        let concurrency = store.groups.concurrency
        struct Refused: Error {}
        /// Each body opens an incident (key "<wave> <index>"); the one at `failing` then throws.
        /// Returns each body's transaction id, or nil where it failed.
        func wave(_ name: String, waiting: Int, failing: Int?) async -> [Int: Int64?] {
            await Self.queuedBehindBusyGroups(store, waiting: waiting) { index, hold in
                try await store.groupWrite(locking: ["\(name) \(index)"]) { tx in
                    hold()
                    _ = try tx.insertIncident(StoreConformance.head(key: "\(name) \(index)"), at: Self.t0)
                    if index == failing { throw Refused() }
                    return try Self.txid(tx)
                }
            }
        }
        let together = await wave("a", waiting: 8, failing: nil)
        let queued = Set((concurrency..<(concurrency + 8)).map { together[$0]! })
        #expect(queued.count == 1 && queued.first! != nil, "the queued bodies shared one transaction: \(together)")
        let alone = await wave("b", waiting: 8, failing: concurrency + 3)
        #expect(alone.filter { $0.value == nil }.map(\.key) == [concurrency + 3])
        #expect(Set((concurrency..<(concurrency + 8)).compactMap { alone[$0]! }).count == 7, "after the failure, each alone")
        let keys = try await store.read { try $0.page(IncidentQuery(status: .all, limit: 100)).incidents.map(\.head.correlationKey) }
        let expected = (0..<(concurrency + 8)).map { "a \($0)" } + (0..<(concurrency + 8)).filter { $0 != concurrency + 3 }.map { "b \($0)" }
        #expect(Set(keys) == Set(expected))
    }

    /// A group reads every body's candidates in one call at its start; a body whose key, episodes or
    /// incidents a body before it read (and may have written) reads again for itself and sees
    /// that body's writes.
    @Test func aGroupReadsForAllItsBodiesAtOnceButNotPastItsOwnWrites() async throws {
        let store = try await PostgresTestDatabase.store()
        let (old, oldAlert) = try await StoreConformance.incidentWithOneAlert(store)
        let episode = EpisodeKey(fingerprint: oldAlert.alert.fingerprint, startsAt: oldAlert.alert.startsAt)
        let concurrency = store.groups.concurrency
        /// The queued bodies' lookups: a new key twice (the second must see the first's incident),
        /// the stored incident's key, a key with nothing, the stored episode (its incident was read
        /// by the body before), another fresh key.
        let lookups = [CorrelationLookup(receiver: "team", episodes: [], keys: ["x"]),
                       CorrelationLookup(receiver: "team", episodes: [], keys: ["x"]),
                       CorrelationLookup(receiver: "team", episodes: [], keys: ["k"]),
                       CorrelationLookup(receiver: "team", episodes: [], keys: ["y"]),
                       CorrelationLookup(receiver: "team", episodes: [episode], keys: ["z"]),
                       CorrelationLookup(receiver: "team", episodes: [], keys: ["w"])]
        struct Seen: Sendable, Equatable {
            var active: Int64?
            var episodeIncident: Int64?
            var snapshots: Set<Int64>
            var storedTitle: String?
            var reads: Int
            var txid: Int64
        }
        let outcomes = await Self.queuedBehindBusyGroups(store, waiting: lookups.count) { index, hold -> (Seen, Int64?) in
            let lookup = index < concurrency ? CorrelationLookup(receiver: "team", episodes: [], keys: ["hold \(index)"]) : lookups[index - concurrency]
            return try await store.groupWrite(correlating: lookup) { tx in
                hold()
                try tx.lockCorrelationKeys(Array(lookup.keys))
                let candidates = try tx.correlationCandidates(lookup)
                let snapshots = try tx.incidentSnapshots(ids: candidates.incidentIDs.sorted())
                let key = lookup.keys.first!
                let seen = Seen(active: candidates.activeByKey[key], episodeIncident: candidates.episodes[episode]?.incidentID,
                                snapshots: Set(snapshots.keys), storedTitle: snapshots[old]?.snapshot.head.title,
                                reads: (tx as! PostgresTransaction).correlationReads, txid: try Self.txid(tx))
                // A new incident where the key has none; the stored one is retitled.
                if candidates.activeByKey[key] == nil { return (seen, try tx.insertIncident(StoreConformance.head(key: key), at: Self.t0)) }
                var head = snapshots[candidates.activeByKey[key]!]!.snapshot.head
                head.title = "retitled"
                try tx.updateIncident(head, at: Self.t0)
                return (seen, nil)
            }
        }
        let queued = try (0..<lookups.count).map { try #require(outcomes[concurrency + $0] ?? nil) }
        #expect(Set(queued.map(\.0.txid)).count == 1, "one group: \(queued)")
        let created = queued[0].1
        #expect(queued.map(\.0.active) == [nil, created, old, nil, nil, nil])
        #expect(queued[4].0.episodeIncident == old && queued[4].0.snapshots == [old])
        // The body that reached the stored incident by its episode sees the earlier body's change.
        #expect(queued.map(\.0.storedTitle) == [nil, nil, "Broker down", nil, "retitled", nil])
        #expect(queued[2].0.snapshots == [old] && queued[1].0.snapshots == Set([created].compactMap { $0 }) && created != nil)
        // One read for the group, then one each for the body after the one that made "x" and the
        // body whose episode's incident an earlier body read.
        #expect(queued.map(\.0.reads) == [1, 2, 2, 2, 3, 3])
        let keys = try await store.read { try $0.page(IncidentQuery(status: .all, limit: 100)).incidents.map(\.head.correlationKey) }
        #expect(keys.filter { $0 == "x" }.count == 1)
    }

    /// The group's one read covers the first body's receiver only, and ends at a body that
    /// declares no lookup (a heartbeat): the bodies it does not cover read for themselves, in the
    /// same transaction.
    @Test func aGroupReadCoversOneReceiverAndEndsAtABodyWithoutALookup() async throws {
        let store = try await PostgresTestDatabase.store()
        try await store.checkReady()
        let concurrency = store.groups.concurrency
        /// Each queued body: its lookup, or nil for a heartbeat. Returns (reads so far, txid) per body.
        func wave(_ lookups: [CorrelationLookup?]) async throws -> [(reads: Int, txid: Int64)] {
            let outcomes = await Self.queuedBehindBusyGroups(store, waiting: lookups.count) { index, hold -> (reads: Int, txid: Int64) in
                guard index >= concurrency, let lookup = lookups[index - concurrency] else {
                    return try await store.groupWrite(locking: index < concurrency ? ["hold \(index)"] : []) { tx in
                        hold()
                        try tx.recordHeartbeat(name: "beat", at: Self.t0)
                        return ((tx as! PostgresTransaction).correlationReads, try Self.txid(tx))
                    }
                }
                return try await store.groupWrite(correlating: lookup) { tx in
                    try tx.lockCorrelationKeys(Array(lookup.keys))
                    let candidates = try tx.correlationCandidates(lookup)
                    if candidates.activeByKey.isEmpty {
                        var head = StoreConformance.head(key: lookup.keys.first!)
                        head.receiver = lookup.receiver
                        _ = try tx.insertIncident(head, at: Self.t0)
                    }
                    return ((tx as! PostgresTransaction).correlationReads, try Self.txid(tx))
                }
            }
            return try (0..<lookups.count).map { try #require(outcomes[concurrency + $0] ?? nil) }
        }
        func lookup(_ receiver: String, _ key: String) -> CorrelationLookup {
            CorrelationLookup(receiver: receiver, episodes: [], keys: [key])
        }
        let receivers = try await wave([lookup("team", "a1"), lookup("ops", "a2"), lookup("team", "a3")])
        #expect(Set(receivers.map(\.txid)).count == 1)
        #expect(receivers.map(\.reads) == [1, 2, 2], "the other receiver's body reads for itself")
        let beat = try await wave([lookup("team", "b1"), nil, lookup("team", "b2"), lookup("team", "b3")])
        #expect(Set(beat.map(\.txid)).count == 1)
        #expect(beat.map(\.reads) == [1, 1, 2, 3], "after the heartbeat, each reads for itself")
        let count = try await store.read { try $0.page(IncidentQuery(status: .all, limit: 100)).incidents.count }
        #expect(count == 6)
    }

    /// Ingest through the service with its group read: the same storm twice in one group (an
    /// Alertmanager HA pair sending both copies to one replica), then its resolution twice, makes
    /// one incident with one episode and one `fired` entry per alert, resolved once.
    @Test func duplicateNotificationsInOneGroupMakeOneIncident() async throws {
        let store = try await PostgresTestDatabase.store()
        try await store.checkReady()
        let service = StoreConformance.service(store)
        let concurrency = store.groups.concurrency
        for name in ["02-alert-storm--firing-5-alerts", "02-alert-storm--all-resolved"] {
            let notification = try fixture(name)
            let outcomes = await Self.queuedBehindBusyGroups(store, waiting: 2) { index, hold -> [Int64] in
                if index < concurrency { return try await store.groupWrite(locking: ["hold \(index)"]) { _ in hold(); return [] } }
                return try await service.ingest(notification).map(\.id)
            }
            let ids = (0..<2).map { outcomes[concurrency + $0] ?? nil }
            #expect(ids[0] != nil && ids[0] == ids[1], "\(name): \(ids)")
        }
        let detail = try #require(try await store.read { try $0.detail(id: 1) })
        #expect(try await store.read { try $0.page(IncidentQuery(status: .all, limit: 10)).incidents.count } == 1)
        #expect(detail.alerts.count == 5 && detail.alerts.allSatisfy { $0.status == .resolved })
        let kinds = detail.timeline.map(\.kind)
        #expect(kinds.filter { $0 == TimelineKind.alertFired.rawValue }.count == 5)
        #expect(kinds.filter { $0 == TimelineKind.alertResolved.rawValue }.count == 5)
        #expect(kinds.filter { $0 == TimelineKind.incidentResolved.rawValue }.count == 1)
        #expect(detail.summary.head.milestones.status == .resolved)
    }

    /// A read that waited for a correlation lock sees what the lock's previous holder committed,
    /// the first time (not through a retry after a backstop): the function's fresh snapshots.
    @Test func aLockWaiterSeesItsPredecessorsIncident() async throws {
        let options = try await PostgresTestDatabase.create()
        let (first, second) = (try PostgresTestDatabase.open(options), try PostgresTestDatabase.open(options))
        try await first.checkReady()
        let waiterStarted = DispatchSemaphore(value: 0)
        let attempts = NIOLockedValueBox(0)
        async let seen: Int64? = {
            waiterStarted.wait()
            return try await second.write { tx in
                attempts.withLockedValue { $0 += 1 }
                try tx.lockCorrelationKeys(["k"])
                return try tx.correlationCandidates(CorrelationLookup(receiver: "team", episodes: [], keys: ["k"])).activeByKey["k"]
            }
        }()
        let opened = try await first.write { tx in
            let tx = tx as! PostgresTransaction
            try tx.lockCorrelationKeys(["k"])
            let id = try tx.insertIncident(StoreConformance.head(), at: Self.t0)
            waiterStarted.signal()
            // Commit only once the other transaction waits for the key.
            while try tx.run("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())").first!.decode(Int.self) == 0 {}
            return id
        }
        #expect(try await seen == opened)
        #expect(attempts.withLockedValue { $0 } == 1)
    }

    /// A fresh store holding incident 1 with one alert, and that alert (inserting it again hits
    /// the `alerts_one_episode` backstop).
    static func incidentWithOneAlert() async throws -> (PostgresIncidentStore, NewAlert) {
        let store = try await PostgresTestDatabase.store()
        return (store, try await StoreConformance.incidentWithOneAlert(store).alert)
    }

    /// A prepared statement's failure (reported by postgres-nio's older API as `PostgresError`)
    /// is classified like any other: a backstop is retried, a value PostgreSQL cannot hold rejects
    /// the notification for good (a dead letter, not a 503).
    @Test func preparedStatementErrorsAreClassifiedLikeOthers() async throws {
        let (store, alert) = try await Self.incidentWithOneAlert()
        // The duplicate is only sent; its failure arrives with COMMIT, is taken for the backstop
        // it is and retried (3 tries), then answered 503 naming it.
        let attempts = NIOLockedValueBox(0)
        let error = await #expect(throws: StorageUnavailable.self) {
            try await store.write { tx in
                attempts.withLockedValue { $0 += 1 }
                try tx.insertAlert(alert, stored: StoreConformance.stored(alert), incidentID: 1, at: Self.t0)
            }
        }
        #expect(attempts.withLockedValue { $0 } == 3)
        #expect(error?.reason.contains("23505") == true, "\(String(describing: error))")

        var notification = try fixture("01-single-critical--firing")
        notification.alerts[0].fingerprint = "nul\u{0}byte"
        await #expect(throws: NotificationRejected.self) { try await StoreConformance.service(store).ingest(notification) }
    }

    /// A script that catches a store error and goes on has a failed transaction: its COMMIT is a
    /// ROLLBACK, which must fail the write, not report success.
    @Test func aFailedTransactionDoesNotCommitSilently() async throws {
        let (store, alert) = try await Self.incidentWithOneAlert()
        await #expect(throws: StorageUnavailable.self) {
            try await store.write { tx in
                try tx.attachRunbook("rb", incidentID: 1, at: Self.t0)
                do {
                    try tx.insertAlert(alert, stored: StoreConformance.stored(alert), incidentID: 1, at: Self.t0)
                    _ = try tx.head(id: 1)
                } catch {}
            }
        }
        #expect(try await store.read { try $0.runbookIDs(incidentID: 1) }.isEmpty)
    }

    /// In a write, `incidentSnapshots` holds the heads it read until the transaction ends: a
    /// second replica's change of those incidents waits (here: NOWAIT fails with 55P03).
    @Test func snapshotsLockTheirHeadsInAWrite() async throws {
        let options = try await PostgresTestDatabase.create()
        let store = try PostgresTestDatabase.open(options)
        let other = try PostgresTestDatabase.open(options)
        let id = try await store.write { try $0.insertIncident(StoreConformance.head(), at: Self.t0) }
        try await other.checkReady()
        let probe: @Sendable () -> String = {
            let done = DispatchSemaphore(value: 0)
            let outcome = NIOLockedValueBox("")
            Task {
                do {
                    try await other.write { tx in
                        try (tx as! PostgresTransaction).run("SELECT 1 FROM incidents WHERE id = \(id) FOR UPDATE NOWAIT")
                    }
                    outcome.withLockedValue { $0 = "free" }
                } catch {
                    outcome.withLockedValue { $0 = "\(error)" }
                }
                done.signal()
            }
            done.wait()
            return outcome.withLockedValue { $0 }
        }
        let (inWrite, inRead) = (try await store.write { tx in _ = try tx.incidentSnapshots(ids: [id]); return probe() },
                                 try await store.read { tx in _ = try tx.incidentSnapshots(ids: [id]); return probe() })
        #expect(inWrite.contains("55P03"), "\(inWrite)")
        #expect(inRead == "free")
    }

    /// A connection whose prepared statements the server dropped (a DEALLOCATE, a pooler) gets
    /// 26000 for the next one; the store prepares them again and the retry succeeds.
    @Test func statementsTheServerLostArePreparedAgain() async throws {
        var options = try await PostgresTestDatabase.create()
        options.maxConnections = 1  // so the next transaction meets the same connection
        let store = try PostgresTestDatabase.open(options)
        let service = StoreConformance.service(store)
        #expect(try await service.ingest(fixture("01-single-critical--firing")).count == 1)
        try await store.write { tx in try (tx as! PostgresTransaction).run("DEALLOCATE ALL") }
        #expect(try await service.ingest(fixture("02-alert-storm--firing-5-alerts")).count == 1)
        #expect(try await service.incidents(IncidentQuery(status: .all)).incidents.count == 2)
    }
}
