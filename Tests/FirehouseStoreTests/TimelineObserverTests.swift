import FirehouseCore
@testable import FirehouseService
@testable import FirehouseStore
import GRDB
import Foundation
import Testing

/// Remembers what it heard.
final class HeardEntries: TimelineObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var heard: [RecordedEntry] = []
    var entries: [RecordedEntry] { lock.withLock { heard } }
    func committed(_ entries: [RecordedEntry]) { lock.withLock { heard += entries } }
}

/// The observer hears exactly the entries that were committed, with their incident and row ids,
/// from every use case; a change that wrote nothing or rolled back tells it nothing.
struct TimelineObserverTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!

    @Test func hearsWhatWasCommittedAndNothingElse() async throws {
        let db = try TempDatabase()
        let heard = HeardEntries()
        let service = try db.open(clock: ManualClock(t0), observer: heard)
        let alice = Actor(id: "U1", name: "alice")

        _ = try await service.ingest(try fixture("01-single-critical--firing"))
        let afterIngest = heard.entries
        #expect(afterIngest.map(\.entry.text) == (try await service.timeline(incidentID: 1) ?? []).map(\.text))
        #expect(Set(afterIngest.map(\.incidentID)) == [1])
        #expect(afterIngest.map(\.timelineID) == (try await service.timeline(incidentID: 1) ?? []).map(\.id))
        #expect(afterIngest.compactMap(\.entry.event.transition) == [.opened])

        _ = try await service.perform(.move(.acknowledge, summary: nil), on: 1, actor: alice)
        #expect(heard.entries.count == afterIngest.count + 1)
        // Unchanged and refused actions write nothing.
        _ = try await service.perform(.move(.acknowledge, summary: nil), on: 1, actor: alice)
        _ = try await service.perform(.move(.close, summary: nil), on: 1, actor: alice)
        _ = try await service.perform(.move(.acknowledge, summary: nil), on: 99, actor: alice)
        #expect(heard.entries.count == afterIngest.count + 1)

        let declared = try await service.declare(title: "checkout is slow", severity: .sev2, actor: alice)
        #expect(heard.entries.last?.incidentID == declared.id)
        #expect(heard.entries.last?.entry.event.transition == .opened)
    }

    @Test func aRolledBackIngestTellsNothing() async throws {
        let db = try TempDatabase()
        let heard = HeardEntries()
        let service = try db.open(clock: ManualClock(t0), observer: heard)
        try await service.sqlite.pool.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse_all BEFORE INSERT ON timeline BEGIN SELECT RAISE(ABORT, 'refused by test'); END")
        }
        await #expect(throws: (any Error).self) { try await service.ingest(try fixture("01-single-critical--firing")) }
        #expect(heard.entries.isEmpty)
    }
}
