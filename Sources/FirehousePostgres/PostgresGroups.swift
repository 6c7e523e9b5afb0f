import FirehouseCore
import NIOConcurrencyHelpers

/// Group commit for PostgreSQL ingest: at most `concurrency` groups are written at once; bodies
/// that arrive meanwhile wait and go together into the next free group (at most `maxBatch`).
/// No timer: an idle store writes each body at once, a busy one several per transaction, which
/// saves each of them a BEGIN, a COMMIT and its WAL flush.
final class PostgresGroups: Sendable {
    /// A waiting body: its correlation keys and what it will read for them (if it said), its
    /// script (result type erased) and its caller.
    struct Item: Sendable {
        var keys: [String]
        var lookup: CorrelationLookup?
        var script: @Sendable (PostgresTransaction) throws -> any Sendable
        var continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct State {
        var pending: [Item] = []
        var running = 0
    }

    let concurrency: Int
    let maxBatch: Int
    private let state = NIOLockedValueBox(State())

    /// Bodies waiting for a group (for tests).
    var waiting: Int { state.withLockedValue { $0.pending.count } }

    init(concurrency: Int, maxBatch: Int) {
        self.concurrency = max(1, concurrency)
        self.maxBatch = max(1, maxBatch)
    }

    /// Queues the script and returns its result once `write`, given the group it joined, has
    /// answered it.
    func submit(keys: [String], lookup: CorrelationLookup?, _ script: @escaping @Sendable (PostgresTransaction) throws -> any Sendable,
                write: @escaping @Sendable ([Item]) async -> Void) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            let start = state.withLockedValue { state -> Bool in
                state.pending.append(Item(keys: keys, lookup: lookup, script: script, continuation: continuation))
                guard state.running < concurrency else { return false }
                state.running += 1
                return true
            }
            if start { Task { await self.drain(write) } }
        }
    }

    /// Writes groups until nothing waits.
    private func drain(_ write: @Sendable ([Item]) async -> Void) async {
        while true {
            let batch = state.withLockedValue { state -> [Item] in
                let batch = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.running -= 1 }
                return batch
            }
            if batch.isEmpty { return }
            await write(batch)
        }
    }
}
