import Dispatch
import FirehouseCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes committed transactions durable before anyone is answered: one `fdatasync` of the WAL
/// covers every commit that finished before it started, and runs beside the next transaction.
///
/// With `synchronous=FULL` SQLite syncs the WAL inside each COMMIT, so the single writer sits idle
/// for the whole flush. The writer runs with `synchronous=NORMAL` instead (identical on-disk
/// format and checkpoint syncs) and callers await `sync(after:)`, which gives the same guarantee
/// for everything that is acknowledged. After a failed sync the written pages' state is unknown
/// (Linux may drop them and report success next time), so the syncer fails every later call:
/// writes answer 503 until a restart recovers the WAL from what is really on disk.
///
/// It also keeps the outbox watermark: each commit hands in the highest outbox id it could see,
/// and once a sync covers that commit, rows up to that id are on disk. The outbox worker only
/// sends those, so nothing is announced that a power loss could still erase.
actor WALSyncer {
    /// Issued after a commit returns; any sync that starts later covers that commit.
    struct Ticket: Sendable {
        fileprivate var value: UInt64
    }

    /// Set at the first failed flush, before any waiter hears of it; read without awaiting by the
    /// commit gate (no transaction may commit after it) and by `/healthz`.
    nonisolated let failed = Atomic<Bool>(false)
    /// The highest outbox id whose commit is on disk.
    private(set) var durableOutboxID: Int64
    /// Outbox marks of commits not yet covered by a sync, in ticket order.
    private var marks: [(ticket: UInt64, outboxID: Int64)] = []
    /// Told once, at the first failed flush: the application exits so a supervisor restarts it.
    private let onBroken: (@Sendable (StorageUnavailable) -> Void)?

    private let path: String
    private let fd: Int32
    private let queue = DispatchQueue(label: "firehouse.wal-sync")
    private var issued: UInt64 = 0
    private var synced: UInt64 = 0
    private var syncing = false
    private var failure: StorageUnavailable?
    private var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    /// Flushes the descriptor and returns 0 or an errno; tests replace it to hold or fail a sync.
    private let flush: @Sendable (Int32) -> Int32

    static let fdatasyncFlush: @Sendable (Int32) -> Int32 = { fdatasync($0) == 0 ? 0 : errno }

    private let onSync: (@Sendable (Duration) -> Void)?

    /// `durableOutboxID`: the highest outbox id at start-up. The WAL is flushed here first (a
    /// crashed process may have left commits only in the page cache), so those rows are on disk.
    init(walPath: String, flush: @escaping @Sendable (Int32) -> Int32 = WALSyncer.fdatasyncFlush,
         onSync: (@Sendable (Duration) -> Void)? = nil, onBroken: (@Sendable (StorageUnavailable) -> Void)? = nil,
         durableOutboxID: Int64 = 0) throws {
        let fd = open(walPath, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw StorageUnavailable(reason: "cannot open \(walPath): errno \(errno)") }
        guard fdatasync(fd) == 0 else {
            let code = errno
            close(fd)
            throw StorageUnavailable(reason: "fdatasync of \(walPath) failed at start-up (errno \(code))")
        }
        self.path = walPath
        self.fd = fd
        self.flush = flush
        self.onSync = onSync
        self.onBroken = onBroken
        self.durableOutboxID = durableOutboxID
    }

    deinit { close(fd) }

    /// Call right after a transaction committed; `outboxMark` is the highest outbox id that
    /// transaction saw (read inside it), nil if the caller does not know it.
    func ticket(outboxMark: Int64? = nil) -> Ticket {
        issued += 1
        if let outboxMark, outboxMark > (marks.last?.outboxID ?? durableOutboxID) {
            marks.append((issued, outboxMark))
        }
        return Ticket(value: issued)
    }

    /// Returns once the commit that took `ticket` is on disk.
    func sync(after ticket: Ticket) async throws {
        if let failure { throw failure }
        if synced >= ticket.value { return }
        try await withCheckedThrowingContinuation { continuation in
            waiters.append((ticket.value, continuation))
            if !syncing {
                syncing = true
                Task { await self.run() }
            }
        }
    }

    /// Rounds until nobody waits: each covers every ticket issued before it started.
    private func run() async {
        while !waiters.isEmpty, failure == nil {
            let target = issued
            let fd = self.fd
            let flush = self.flush
            let start = ContinuousClock.now
            let result: Int32 = await withCheckedContinuation { done in
                queue.async { done.resume(returning: flush(fd)) }
            }
            onSync?(ContinuousClock.now - start)
            if result == 0 {
                synced = target
                while let first = marks.first, first.ticket <= target {
                    durableOutboxID = max(durableOutboxID, first.outboxID)
                    marks.removeFirst()
                }
            } else {
                let failure = StorageUnavailable(reason: "fdatasync of \(path) failed (errno \(result)); restart to recover the database")
                failed.store(true, ordering: .releasing)
                self.failure = failure
                onBroken?(failure)
            }
            let ready = waiters.filter { $0.ticket <= synced || failure != nil }
            waiters.removeAll { $0.ticket <= synced || failure != nil }
            for waiter in ready {
                if let failure { waiter.continuation.resume(throwing: failure) } else { waiter.continuation.resume() }
            }
        }
        syncing = false
    }

    /// Nil while syncs succeed; then the reason writes are refused.
    var broken: StorageUnavailable? { failure }

    /// Throws once a flush has failed; callable without waiting for the actor (before a write starts).
    nonisolated func refuseIfBroken() throws(StorageUnavailable) {
        if failed.load(ordering: .acquiring) {
            throw StorageUnavailable(reason: "a WAL flush failed earlier; restart to recover the database")
        }
    }
}
