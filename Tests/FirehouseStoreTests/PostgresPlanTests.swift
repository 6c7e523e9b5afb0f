import FirehouseCore
@testable import FirehousePostgres
import Foundation
import PostgresNIO
import Testing

/// The hot statements' generic plans, made once per connection and perhaps while the tables are
/// empty (a fresh install's first storm), must reach rows through indexes: a plan that reads a
/// table through, or every alert of a receiver, costs milliseconds per call once the tables grow.
@Suite(.enabled(if: PostgresTestDatabase.adminURL != nil, "needs FIREHOUSE_TEST_POSTGRES_URL (scripts/test starts a cluster)"))
struct PostgresPlanTests {
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
}
