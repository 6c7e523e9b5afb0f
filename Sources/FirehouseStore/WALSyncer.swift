import Dispatch
import FirehouseCore

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
actor WALSyncer {
    /// Issued after a commit returns; any sync that starts later covers that commit.
    struct Ticket: Sendable {
        fileprivate var value: UInt64
    }

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

    init(walPath: String, flush: @escaping @Sendable (Int32) -> Int32 = WALSyncer.fdatasyncFlush,
         onSync: (@Sendable (Duration) -> Void)? = nil) throws {
        let fd = open(walPath, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw StorageUnavailable(reason: "cannot open \(walPath): errno \(errno)") }
        self.path = walPath
        self.fd = fd
        self.flush = flush
        self.onSync = onSync
    }

    deinit { close(fd) }

    /// Call right after a transaction committed.
    func ticket() -> Ticket {
        issued += 1
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
            } else {
                failure = StorageUnavailable(reason: "fdatasync of \(path) failed (errno \(result)); restart to recover the database")
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
}
