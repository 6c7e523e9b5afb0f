import FirehouseCore
@testable import FirehouseService
@testable import FirehouseStore
import Foundation
import GRDB
import Synchronization
import Testing

/// Nothing is announced before it is durable, and nothing commits after storage failed.
struct DurabilityBoundaryTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
    let routes = NotificationRoutes([.init(name: "chat", events: Set(OutboundEvent.allCases))])

    @Test func theOutboxOffersOnlyRowsWhoseCommitIsOnDisk() async throws {
        let db = try TempDatabase()
        let held = WALSyncTests.HeldFlush()
        let store = IncidentService.over(try SQLiteIncidentStore(options: .init(path: db.path, flushWAL: held.flush)), clock: ManualClock(t0), routes: routes)
        let ingest = Task { try await store.ingest(fixture("01-single-critical--firing")) }
        await held.waitUntilEntered()
        // Committed and readable, but its flush has not finished: a chat message now could
        // announce an incident that a power loss erases.
        #expect(try await store.incident(id: 1) != nil)
        #expect(try await store.dueDeliveries().isEmpty)
        held.release.signal()
        _ = try await ingest.value
        #expect(try await store.dueDeliveries().map(\.event) == [.opened])
    }

    @Test func afterAFailedFlushNothingCommitsOnAnyPath() async throws {
        let db = try TempDatabase()
        let failing = WALSyncTests.Flag(true)
        let broken = Mutex<[String]>([])
        let store = IncidentService.over(try SQLiteIncidentStore(options: .init(path: db.path, flushWAL: { _ in failing.isSet ? EIO : 0 },
                           onBroken: { failure in broken.withLock { $0.append(failure.reason) } })), clock: ManualClock(t0), routes: routes)
        #expect(!store.sqlite.isBroken)
        await #expect(throws: StorageUnavailable.self) { try await store.ingest(fixture("01-single-critical--firing")) }
        #expect(store.sqlite.isBroken)
        #expect(broken.withLock { $0.count } == 1)
        failing.set(false)
        let before = try await store.sqlite.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") }
        await #expect(throws: StorageUnavailable.self) { try await store.ingest(fixture("02-alert-storm--firing-5-alerts")) }
        await #expect(throws: StorageUnavailable.self) {
            try await store.perform(.note("x"), on: 1, actor: Actor(id: "u", name: "u"))
        }
        // Even a transaction that bypasses the store's methods is rolled back at COMMIT.
        await #expect(throws: (any Error).self) {
            try await store.sqlite.pool.write { db in try db.execute(sql: "DELETE FROM incidents") }
        }
        let after = try await store.sqlite.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") }
        #expect(before == after && after == 1)
        // The WAL is left for the restart's recovery: no checkpoint copies its unknown state.
        await #expect(throws: StorageUnavailable.self) { try await store.sqlite.checkpointPassive() }
        await #expect(throws: StorageUnavailable.self) { try await store.sqlite.checkpoint() }
        #expect(try await store.dueDeliveries().isEmpty)  // the failed commit is never announced
    }

    @Test func aRejectedNotificationIsKeptOnceWithItsBody() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        let store = try db.open(clock: clock)
        let draft = DeadLetterDraft(digest: Array(repeating: 7, count: 32), receiver: "team", groupKey: "{}:{a=\"b\"}",
                                    error: "constraint failed", body: Array(#"{"alerts":[]}"#.utf8))
        let first = try await store.deadLetter(draft)
        clock.advance(seconds: 30)
        var again = draft
        again.error = "constraint failed again"
        #expect(try await store.deadLetter(again) == first)
        let other = try await store.deadLetter(DeadLetterDraft(digest: Array(repeating: 8, count: 32), receiver: "team",
                                                               groupKey: "g", error: "e", body: Array("{}".utf8)))
        let letters = try await store.deadLetters(limit: 10)
        #expect(letters.map(\.id) == [other, first])
        let kept = try #require(letters.last)
        #expect(kept.attempts == 2 && kept.body == #"{"alerts":[]}"# && kept.error == "constraint failed again")
        #expect(kept.firstSeenAt == t0 && kept.lastSeenAt == t0 + .seconds(30))
        #expect(try await store.deadLetters(limit: 1).count == 1)
    }

    @Test func aSeenSignatureSurvivesARestartAndIsForgottenAfterTheWindow() async throws {
        let db = try TempDatabase()
        let mac = Array(repeating: UInt8(0xAB), count: 32)
        let store = try db.open(clock: ManualClock(t0))
        #expect(try await store.firstSighting(mac: mac, timestamp: 1000, forgetBefore: 700))
        #expect(try await !store.firstSighting(mac: mac, timestamp: 1000, forgetBefore: 700))
        let restarted = try db.open(clock: ManualClock(t0))
        #expect(try await !restarted.firstSighting(mac: mac, timestamp: 1000, forgetBefore: 800))
        // Once the request is older than the window it is forgotten (the timestamp check refuses it anyway).
        #expect(try await restarted.firstSighting(mac: mac, timestamp: 1000, forgetBefore: 1001))
    }

    @Test func ingestReadsOnlyTheEpisodesItNames() throws {
        let notification = try fixture("02-alert-storm--firing-5-alerts")
        let lookup = Correlator(config: .init()).lookup(for: notification)
        #expect(lookup.episodes == Set(notification.alerts.map { EpisodeKey(fingerprint: $0.fingerprint, startsAt: $0.startsAt) }))
    }

    @Test func aFlappingAlertsPastEpisodesAreNotLoaded() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        let store = try db.open(clock: clock)
        var firing = try fixture("01-single-critical--firing")
        var resolved = try fixture("01-single-critical--resolved")
        for flap in 0..<5 {
            let starts = t0 + .seconds(Int64(flap) * 600)
            firing.alerts[0].startsAt = starts
            resolved.alerts[0].startsAt = starts
            resolved.alerts[0].endsAt = starts + .seconds(60)
            _ = try await store.ingest(firing)
            _ = try await store.ingest(resolved)
            clock.advance(seconds: 600)
        }
        let lookup = Correlator(config: .init()).lookup(for: firing)
        let state = try await store.sqlite.pool.read { db in try IncidentService.correlationState(lookup, tx: SQLiteTransaction(db: db)) }
        // Five episodes of this fingerprint are stored; the lookup loads the one the notification names.
        #expect(state.episodes.count == 1)
        #expect(state.episodes.keys.first?.startsAt == firing.alerts[0].startsAt)
        let stored = try await store.sqlite.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts") }
        #expect(stored == 5)
    }

    @Test func theReadOnlyStoreNeverMigratesOrWrites() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0))
        _ = try await store.ingest(fixture("01-single-critical--firing"))
        try await store.sqlite.checkpoint()
        let reader = try ReadOnlyIncidentStore(path: db.path)
        #expect(try await reader.incident(id: 1)?.summary.head.id == 1)
        #expect(try await reader.postmortem(incidentID: 1, version: nil) == nil)

        // A database of an older schema is refused, and left exactly as it was.
        let old = try TempDatabase()
        let queue = try DatabaseQueue(path: old.path)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-incidents") { db in try db.execute(sql: "CREATE TABLE incidents (id INTEGER PRIMARY KEY)") }
        try migrator.migrate(queue)
        #expect(throws: StorageUnavailable.self) { try ReadOnlyIncidentStore(path: old.path) }
        let applied = try await queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
        #expect(applied == ["v1-incidents"])
    }
}
