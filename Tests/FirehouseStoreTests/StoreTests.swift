import FirehouseCore
@testable import FirehouseService
@testable import FirehouseStore
import Foundation
import Testing

/// A database file in a fresh temporary directory, removed at deinit.
final class TempDatabase {
    let directory: URL
    var path: String { directory.appendingPathComponent("firehouse.sqlite").path }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("firehouse-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The domain service over a fresh SQLite store at `path`.
    func open(clock: any WallClock, config: CorrelationConfig = .init(),
              routes: NotificationRoutes = NotificationRoutes(), observer: any TimelineObserver = NoTimelineObserver()) throws -> IncidentService {
        IncidentService.over(try SQLiteIncidentStore(options: .init(path: path)), clock: clock, config: config, routes: routes,
                             observer: observer)
    }
}

extension IncidentService {
    /// The SQLite store underneath, for tests that look at the database itself.
    var sqlite: SQLiteIncidentStore { store as! SQLiteIncidentStore }

    /// A service over an existing store, with defaults.
    static func over(_ store: SQLiteIncidentStore, clock: any WallClock, config: CorrelationConfig = .init(),
                     routes: NotificationRoutes = NotificationRoutes(),
                     observer: any TimelineObserver = NoTimelineObserver()) -> IncidentService {
        IncidentService(store: store, correlator: Correlator(config: config), clock: clock, routes: routes, observer: observer)
    }
}

func fixture(_ name: String) throws -> AlertmanagerNotification {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
    return try AlertmanagerNotification.decode(json: Array(Data(contentsOf: url)))
}

struct StoreTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!

    @Test func stormLifecycleIsStoredAndReadBack() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        let store = try db.open(clock: clock)
        #expect(try await store.ingest(fixture("02-alert-storm--firing-5-alerts")) == [IngestResult(id: 1, action: .opened)])
        clock.advance(.minutes(1))
        #expect(try await store.ingest(fixture("02-alert-storm--partially-resolved")) == [IngestResult(id: 1, action: .updated)])
        clock.advance(.minutes(1))
        #expect(try await store.ingest(fixture("02-alert-storm--all-resolved")) == [IngestResult(id: 1, action: .resolved)])

        let detail = try #require(try await store.incident(id: 1))
        #expect(detail.summary.head.status == .resolved)
        #expect(detail.summary.head.milestones.resolvedAt == t0 + .minutes(2))
        #expect(detail.summary.head.openedAt == t0)
        #expect(detail.alerts.count == 5)
        #expect(detail.alerts.allSatisfy { $0.status == .resolved && $0.endsAt != nil })
        #expect(detail.alerts.allSatisfy { $0.firstSeenAt == t0 && $0.lastSeenAt > t0 })
        let kinds = detail.timeline.map(\.kind)
        #expect(kinds.first == "incident_opened")
        #expect(kinds.last == "incident_resolved")
        #expect(kinds.filter { $0 == "alert_fired" }.count == 5)
        #expect(kinds.filter { $0 == "alert_resolved" }.count == 5)
        #expect(detail.summary.alertCount == 5 && detail.summary.firingAlertCount == 0)
    }

    @Test func dataSurvivesReopeningTheDatabase() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        do {
            let store = try db.open(clock: clock)
            _ = try await store.ingest(fixture("01-single-critical--firing"))
        }
        let reopened = try db.open(clock: clock)
        let detail = try #require(try await reopened.incident(id: 1))
        #expect(detail.alerts.first?.labels["alertname"] == "KafkaBrokerDown")
        clock.advance(.minutes(1))
        #expect(try await reopened.ingest(fixture("01-single-critical--resolved")) == [IngestResult(id: 1, action: .resolved)])
    }

    @Test func concurrentIdenticalPostsMakeOneIncident() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0))
        let notification = try fixture("02-alert-storm--firing-5-alerts")
        let results = try await withThrowingTaskGroup(of: [IngestResult].self) { group in
            for _ in 0..<40 { group.addTask { try await store.ingest(notification) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 40)
        #expect(results.filter { $0 == [IngestResult(id: 1, action: .opened)] }.count == 1)
        #expect(results.filter { $0 == [IngestResult(id: 1, action: .unchanged)] }.count == 39)
        let page = try await store.incidents(IncidentQuery(status: .all))
        #expect(page.incidents.count == 1)
        #expect(try await store.incident(id: 1)?.alerts.count == 5)
        #expect(try await store.timeline(incidentID: 1)?.count == 6)
    }

    @Test func haPairCopiesWithOtherExternalURLChangeNothing() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0))
        var n = try fixture("04-repeat--initial")
        _ = try await store.ingest(n)
        let before = try await store.incident(id: 1)
        n.externalURL = "http://alertmanager-1:9093"
        #expect(try await store.ingest(n) == [IngestResult(id: 1, action: .unchanged)])
        let after = try await store.incident(id: 1)
        #expect(before?.timeline == after?.timeline)
        #expect(before?.summary == after?.summary)
    }

    @Test func listingPagesNewestFirstAndFiltersByStatus() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        let store = try db.open(clock: clock)
        let base = try fixture("01-single-critical--firing")
        for i in 0..<7 {
            var n = base
            n.groupLabels = ["alertname": "A\(i)"]
            n.alerts[0].labels["alertname"] = "A\(i)"
            n.alerts[0].fingerprint = n.alerts[0].labels.alertFingerprint
            if i % 2 == 1 { n.status = .resolved; n.alerts[0].status = .resolved; n.alerts[0].endsAt = t0 }
            _ = try await store.ingest(n)
        }
        let first = try await store.incidents(IncidentQuery(status: .all, limit: 3))
        #expect(first.incidents.map(\.head.id) == [7, 6, 5])
        #expect(first.next == 5)
        let second = try await store.incidents(IncidentQuery(status: .all, limit: 3, before: first.next))
        #expect(second.incidents.map(\.head.id) == [4, 3, 2])
        let last = try await store.incidents(IncidentQuery(status: .all, limit: 3, before: second.next))
        #expect(last.incidents.map(\.head.id) == [1])
        #expect(last.next == nil)
        let open = try await store.incidents(IncidentQuery(status: .open, limit: 50))
        #expect(open.incidents.map(\.head.id) == [7, 5, 3, 1])
        let resolved = try await store.incidents(IncidentQuery(status: .only(.resolved), limit: 50))
        #expect(resolved.incidents.map(\.head.id) == [6, 4, 2])
        #expect(open.incidents.allSatisfy { $0.alertCount == 1 && $0.firingAlertCount == 1 })
        #expect(resolved.incidents.allSatisfy { $0.alertCount == 1 && $0.firingAlertCount == 0 })
    }

    @Test func unknownIncidentsAreNil() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0))
        #expect(try await store.incident(id: 42) == nil)
        #expect(try await store.timeline(incidentID: 42) == nil)
        try await store.checkReady()
    }

    @Test func anUnopenableDatabaseIsStorageUnavailable() {
        #expect(throws: StorageUnavailable.self) {
            try SQLiteIncidentStore(options: .init(path: "/proc/firehouse/nope.sqlite"))
        }
    }

    @Test func onlineBackupIsAConsistentCopy() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0))
        _ = try await store.ingest(fixture("02-alert-storm--firing-5-alerts"))
        let target = db.directory.appendingPathComponent("backup.sqlite").path
        let size = try Backup.copy(database: db.path, to: target)
        #expect(size > 0)
        let copy = IncidentService.over(try SQLiteIncidentStore(options: .init(path: target)), clock: ManualClock(t0))
        #expect(try await copy.incident(id: 1)?.alerts.count == 5)
        #expect(throws: StorageUnavailable.self) { try Backup.copy(database: db.path, to: target) }  // never overwrites
        #expect(throws: StorageUnavailable.self) { try Backup.copy(database: db.path + ".missing", to: target + "2") }
    }

    @Test func walNormalSyncAndMemoryTempStoreAreOn() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0))
        let (mode, sync, temp) = try await store.sqlite.pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
             try Int.fetchOne(db, sql: "PRAGMA temp_store"))
        }
        #expect(mode == "wal")
        #expect(sync == 1)  // NORMAL: the WAL fsync before each answer is WALSyncer's (WALSyncTests)
        #expect(temp == 2)  // MEMORY: savepoint journals never touch the disk
    }
}
