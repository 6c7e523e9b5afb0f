import FirehouseCore
@testable import FirehouseService
@testable import FirehouseStore
import GRDB
import Testing

/// A batch is written optimistically in one go; when one notification fails, the batch is written
/// again with a savepoint each, so only that one fails and the others still commit.
struct BatchCommitTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!

    @Test func oneBadNotificationFailsAloneInItsBatch() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0))
        // Stands in for any per-notification failure (a constraint, a bug): refuses one alert.
        try await store.sqlite.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_bad BEFORE INSERT ON alerts WHEN NEW.labels LIKE '%"refuse":"yes"%'
                BEGIN SELECT RAISE(ABORT, 'refused by test'); END
                """)
        }
        var bad = try fixture("03-two-groups--firing--redisoutofmemory-session-cache")
        bad.alerts[0].labels["refuse"] = "yes"
        bad.alerts[0].fingerprint = bad.alerts[0].labels.alertFingerprint
        let batch = [
            try fixture("03-two-groups--firing--mysqlconnectionpoolexhausted-orders-api"), bad,
            try fixture("01-single-critical--firing"),
        ].map { PreparedNotification($0, runbooks: RunbookLibrary()) }
        let correlator = Correlator(config: .init())
        let scripts: [GroupCommitter.Script] = batch.map { prepared in
            { tx in try IncidentService.ingest(prepared, lookup: correlator.lookup(for: prepared.notification), correlator: correlator, now: t0, recorder: TimelineRecorder(tx: tx, routes: NotificationRoutes())) }
        }

        let results = try await store.sqlite.commit(scripts)
        #expect(results.count == 3)
        #expect((try? results[0].get())?.value as? [IngestResult] == [IngestResult(id: 1, action: .opened)])
        // A constraint fails the same way on every retry: rejected for good (a dead letter), not 503.
        #expect(throws: NotificationRejected.self) { try results[1].get() }
        // The failed notification left nothing behind, and its neighbours kept their order.
        #expect((try? results[2].get())?.value as? [IngestResult] == [IngestResult(id: 2, action: .opened)])
        let page = try await store.incidents(IncidentQuery(status: .all, limit: 10))
        #expect(page.incidents.map(\.head.id) == [2, 1])
        let stored = try await store.sqlite.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts") }
        let first = try await store.incident(id: 1)?.alerts.count ?? 0
        let third = try await store.incident(id: 2)?.alerts.count ?? 0
        #expect(first > 0 && third > 0 && stored == first + third)
    }
}
