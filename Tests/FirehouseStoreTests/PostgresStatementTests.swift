import FirehouseCore
@testable import FirehousePostgres
@testable import FirehouseService
import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import Testing

/// The PostgreSQL store's own statements: prepared ones, sent ones, and what their errors become.
@Suite(.enabled(if: PostgresTestDatabase.adminURL != nil, "needs FIREHOUSE_TEST_POSTGRES_URL (scripts/test starts a cluster)"))
struct PostgresStatementTests {
    static let t0 = StoreConformance.t0

    /// The hot statements' generic plans, made once per connection and perhaps while the tables
    /// are empty (a fresh install's first storm), must reach rows through indexes: a plan that
    /// reads a table through, or every alert of a receiver, costs milliseconds per call once the
    /// tables grow.
    @Test(arguments: PostgresTransaction.hotStatements) func genericPlansOnEmptyTablesUseIndexes(_ statement: HotStatement) async throws {
        let store = try await PostgresTestDatabase.store()
        try await store.checkReady()
        let parameters = Set(statement.sql.matches(of: /\$([0-9]+)/).compactMap { Int($0.output.1) }).max() ?? 0
        let name = "plan_\(UUID().uuidString.prefix(8).lowercased())"
        let plan = try await store.write { tx in
            let tx = tx as! PostgresTransaction
            try tx.run(PostgresQuery(unsafeSQL: "PREPARE \(name) AS \(statement.sql)"))
            defer { _ = try? tx.run(PostgresQuery(unsafeSQL: "DEALLOCATE \(name)")) }
            let arguments = Array(repeating: "NULL", count: parameters).joined(separator: ", ")
            return try tx.run(PostgresQuery(unsafeSQL: "EXPLAIN EXECUTE \(name)(\(arguments))")).map { try $0.decode(String.self) }
                .joined(separator: "\n")
        }
        #expect(plan.contains("Seq Scan") == false, "\(plan)")
        if statement == PostgresTransaction.candidates {
            #expect(plan.contains("Index Cond: ((receiver = $3) AND (fingerprint = k.fingerprint) AND (starts_at = k.starts_at))"), "\(plan)")
        }
    }

    /// A fresh store holding incident 1 with one alert, and that alert (inserting it again hits
    /// the `alerts_one_episode` backstop).
    static func incidentWithOneAlert() async throws -> (PostgresIncidentStore, NewAlert) {
        let store = try await PostgresTestDatabase.store()
        let alert = StoreConformance.alert("abc")
        try await store.write { tx in
            let id = try tx.insertIncident(StoreConformance.head(), at: Self.t0)
            try tx.insertAlert(alert, stored: StoreConformance.stored(alert), incidentID: id, at: Self.t0)
        }
        return (store, alert)
    }

    /// A prepared statement's failure (reported by postgres-nio's older API as `PostgresError`)
    /// is classified like any other: a backstop is retried, a value PostgreSQL cannot hold rejects
    /// the notification for good (a dead letter, not a 503).
    @Test func preparedStatementErrorsAreClassifiedLikeOthers() async throws {
        let (store, alert) = try await Self.incidentWithOneAlert()
        let seen = NIOLockedValueBox<[String]>([])
        await #expect(throws: StorageUnavailable.self) {
            try await store.write { tx in
                do {
                    try tx.insertAlert(alert, stored: StoreConformance.stored(alert), incidentID: 1, at: Self.t0)
                    try (tx as! PostgresTransaction).settle()
                } catch {
                    let state = PostgresIncidentStore.sqlState(error) ?? "none"
                    seen.withLockedValue { $0.append("\(state) \(PostgresIncidentStore.isRetriable(error))") }
                    throw error
                }
            }
        }
        #expect(seen.withLockedValue { $0 } == Array(repeating: "23505 true", count: 3))

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
}
