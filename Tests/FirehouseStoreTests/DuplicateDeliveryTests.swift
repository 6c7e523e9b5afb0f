import FirehouseCore
@testable import FirehouseStore
import GRDB
import Testing

/// Alertmanager delivers at least once: retries, repeats and the HA pair's second copy. Sending
/// every notification three times at once, three times in a row and once more from the other
/// Alertmanager must leave exactly the state that sending it once leaves.
struct DuplicateDeliveryTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
    static let sequence = [
        "01-single-critical--firing", "02-alert-storm--firing-5-alerts",
        "03-two-groups--firing--mysqlconnectionpoolexhausted-orders-api",
        "03-two-groups--firing--redisoutofmemory-session-cache",
        "04-repeat--initial", "04-repeat--repeat-1", "02-alert-storm--partially-resolved", "04-repeat--repeat-2",
        "04-repeat--repeat-after-annotation-change", "05-max-alerts-truncation--firing-5-alerts-max-2",
        "06-unicode-long-annotations--firing", "01-single-critical--resolved",
        "05-max-alerts-truncation--es-data-0-and-1-resolved", "02-alert-storm--all-resolved",
        "06-unicode-long-annotations--resolved",
    ]
    let routes = NotificationRoutes([.init(name: "chat", events: Set(OutboundEvent.allCases))])

    /// Everything stored, minus the columns that record when a copy was last seen.
    func dump(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            let queries = [
                "SELECT id, correlation_key, receiver, title, labels, severity, status, opened_at, acknowledged_at, "
                    + "resolved_at, closed_at, reopen_count, truncated_alerts FROM incidents ORDER BY id",
                "SELECT id, incident_id, receiver, fingerprint, starts_at, status, ends_at, labels, annotations, generator_url, "
                    + "first_seen_at FROM alerts ORDER BY id",
                "SELECT id, incident_id, at, kind, actor, text, data FROM timeline ORDER BY id",
                "SELECT incident_id, runbook_id FROM incident_runbooks ORDER BY 1, 2",
                "SELECT id, incident_id, timeline_id, target, event, state FROM outbox ORDER BY id",
            ]
            return try queries.flatMap { sql in try Row.fetchAll(db, sql: sql).map { $0.description } }
        }
    }

    @Test func threeConcurrentThreeSequentialAndAnHACopyEqualOnce() async throws {
        let once = try TempDatabase()
        let many = try TempDatabase()
        let onceClock = ManualClock(t0)
        let manyClock = ManualClock(t0)
        let single = try once.open(clock: onceClock, routes: routes)
        let repeated = try many.open(clock: manyClock, routes: routes)
        for name in Self.sequence {
            let notification = try fixture(name)
            _ = try await single.ingest(notification)
            try await withThrowingTaskGroup(of: [IngestResult].self) { group in
                for _ in 0..<3 { group.addTask { try await repeated.ingest(notification) } }
                try await group.waitForAll()
            }
            for _ in 0..<3 { _ = try await repeated.ingest(notification) }
            var copy = notification
            copy.externalURL = "http://alertmanager-1.example:9093"
            _ = try await repeated.ingest(copy)
            onceClock.advance(.minutes(1))
            manyClock.advance(.minutes(1))
        }
        let expected = try dump(once.path)
        #expect(expected.count > 60)
        #expect(try dump(many.path) == expected)
    }
}
