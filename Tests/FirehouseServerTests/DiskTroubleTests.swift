import FirehouseCore
@testable import FirehouseService
@testable import FirehouseServer
@testable import FirehouseStore
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing

/// A disk that fills up or turns read-only under a running service: webhooks get 503 (so
/// Alertmanager retries), reads and health keep working, nothing half-written is kept, and
/// everything works again once the disk does. SQLite reports a full disk as SQLITE_FULL and a
/// read-only one as SQLITE_READONLY; the test provokes exactly those on the writer connection
/// (`max_page_count`, `query_only`), since a real full or read-only mount needs root.
struct DiskTroubleTests {
    enum Trouble: String, CaseIterable, Sendable {
        case full, readOnly
    }

    @Test(arguments: Trouble.allCases) func webhooksGet503UntilTheDiskRecovers(_ trouble: Trouble) async throws {
        let (config, dir) = testConfig()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = IncidentService.over(try SQLiteIncidentStore(options: .init(path: config.database.path)), clock: FixedClock(Timestamp(seconds: 1_764_082_800)))
        let app = Application(router: buildRouter(config: config, repository: store))
        try await app.test(.router) { client in
            #expect(try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing")).status == .ok)
            try await store.sqlite.pool.writeWithoutTransaction { db in
                switch trouble {
                case .full:
                    let pages = try Int.fetchOne(db, sql: "PRAGMA page_count")!
                    _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)")
                case .readOnly:
                    try db.execute(sql: "PRAGMA query_only = 1")
                }
            }
            let storm = try fixtureBytes("02-alert-storm--firing-5-alerts")
            for _ in 0..<3 {
                let refused = try await client.post("/api/v1/alertmanager", storm)
                #expect(refused.status == .serviceUnavailable)
                #expect(refused.headers[.retryAfter] == "5")
                #expect((try json(refused)["error"] as? String)?.hasPrefix("storage unavailable") == true)
            }
            // Still up: health, reads and the incident already stored.
            #expect(try await client.get("/healthz").status == .ok)
            #expect(try await client.get("/api/v1/incidents/1").status == .ok)
            #expect(try json(try await client.get("/api/v1/incidents"))["incidents"].map { ($0 as? [Any])?.count } == 1)

            try await store.sqlite.pool.writeWithoutTransaction { db in
                switch trouble {
                case .full: _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = 1073741823")
                case .readOnly: try db.execute(sql: "PRAGMA query_only = 0")
                }
            }
            // Alertmanager's retry now lands, once.
            #expect(try await client.post("/api/v1/alertmanager", storm).status == .ok)
            #expect(try await client.post("/api/v1/alertmanager", storm).status == .ok)
            let list = try json(try await client.get("/api/v1/incidents"))["incidents"] as? [[String: Any]]
            #expect(list?.count == 2)
            #expect(list?.first?["alertCount"] as? Int == 5)
        }
        let integrity = try await store.sqlite.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
        #expect(integrity == "ok")
    }
}
