import Dispatch
import FirehouseCore
@testable import FirehouseService
@testable import FirehouseStore
import Foundation
import Synchronization
import Testing

/// Writes are answered only once an fdatasync of the WAL that began after their commit is done.
struct WALSyncTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!

    /// A flag shared with escaping closures.
    final class Flag: Sendable {
        private let value: Mutex<Bool>
        init(_ value: Bool) { self.value = Mutex(value) }
        var isSet: Bool { value.withLock { $0 } }
        func set(_ new: Bool) { value.withLock { $0 = new } }
    }

    /// A flush that reports when it starts and waits to be released; it runs on the syncer's own queue.
    final class HeldFlush: Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        private let count = Mutex(0)
        var calls: Int { count.withLock { $0 } }

        var flush: @Sendable (Int32) -> Int32 {
            { [self] _ in
                count.withLock { $0 += 1 }
                entered.signal()
                release.wait()
                return 0
            }
        }

        func waitUntilEntered() async {
            await withCheckedContinuation { done in DispatchQueue.global().async { self.entered.wait(); done.resume() } }
        }
    }

    @Test func ingestIsAnsweredOnlyAfterTheWALSync() async throws {
        let db = try TempDatabase()
        let held = HeldFlush()
        let store = IncidentService.over(try SQLiteIncidentStore(options: .init(path: db.path, flushWAL: held.flush)), clock: ManualClock(t0))
        let answered = Flag(false)
        let ingest = Task {
            let results = try await store.ingest(fixture("02-alert-storm--firing-5-alerts"))
            answered.set(true)
            return results
        }
        await held.waitUntilEntered()
        // Committed (a reader sees it) but not yet durable, so not yet answered.
        #expect(try await store.incident(id: 1)?.alerts.count == 5)
        #expect(!answered.isSet)
        held.release.signal()
        #expect(try await ingest.value == [IngestResult(id: 1, action: .opened)])
        #expect(held.calls == 1)
        // Human actions go through the same barrier.
        let declare = Task { try await store.declare(title: "by hand", severity: .sev2, actor: Actor(id: "u", name: "u")) }
        await held.waitUntilEntered()
        held.release.signal()
        #expect(try await declare.value.title == "by hand")
    }

    @Test func aFailedSyncRefusesEveryLaterWriteUntilRestart() async throws {
        let db = try TempDatabase()
        let failing = Flag(true)
        let store = IncidentService.over(try SQLiteIncidentStore(options: .init(path: db.path, flushWAL: { _ in failing.isSet ? EIO : 0 })), clock: ManualClock(t0))
        await #expect(throws: StorageUnavailable.self) { try await store.ingest(fixture("02-alert-storm--firing-5-alerts")) }
        failing.set(false)
        // The disk says it is fine again, but what the failed flush held is unknown: stay refused.
        await #expect(throws: StorageUnavailable.self) { try await store.ingest(fixture("02-alert-storm--firing-5-alerts")) }
        await #expect(throws: StorageUnavailable.self) {
            try await store.declare(title: "x", severity: .sev3, actor: Actor(id: "u", name: "u"))
        }
        await #expect(throws: StorageUnavailable.self) { try await store.checkReady() }
        #expect(try await store.incident(id: 1) != nil)  // reads still work

        // A restart recovers from what the WAL really holds, and writes are accepted again.
        let reopened = try db.open(clock: ManualClock(t0))
        try await reopened.checkReady()
        #expect(try await reopened.ingest(fixture("02-alert-storm--firing-5-alerts")).count == 1)
    }
}
