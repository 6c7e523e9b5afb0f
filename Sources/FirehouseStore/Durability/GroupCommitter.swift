import FirehouseCore

/// Group commit: scripts that arrive while a transaction is being written wait, then all of them
/// are written by the next transaction together. No timer: an idle system commits at once, a busy
/// one commits many notifications per fsync. Each caller is answered after its commit and
/// then waits for the WAL sync itself, so the next group is written while this one is flushed.
actor GroupCommitter {
    /// A transaction script of `IncidentStore.groupWrite`, its result type erased.
    typealias Script = @Sendable (any StoreTransaction) throws -> any Sendable

    /// A script's result, and the ticket that makes it durable (`WALSyncer`).
    struct Committed: Sendable {
        var value: any Sendable
        var ticket: WALSyncer.Ticket
    }

    typealias Outcome = Result<Committed, any Error>
    typealias Writer = @Sendable ([Script]) async throws -> [Outcome]

    private struct Pending {
        var script: Script
        var continuation: CheckedContinuation<Committed, any Error>
    }

    private let maxBatch: Int
    private var pending: [Pending] = []
    private var writing = false

    init(maxBatch: Int) { self.maxBatch = max(1, maxBatch) }

    func submit(_ script: @escaping Script, writer: @escaping Writer) async throws -> Committed {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Pending(script: script, continuation: continuation))
            if !writing {
                writing = true
                Task { await self.drain(writer) }
            }
        }
    }

    private func drain(_ writer: Writer) async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            do {
                let outcomes = try await writer(batch.map(\.script))
                for (item, outcome) in zip(batch, outcomes) { item.continuation.resume(with: outcome) }
            } catch {
                for item in batch { item.continuation.resume(throwing: error) }
            }
        }
        writing = false
    }
}
