import FirehouseCore
import GRDB

/// Refuses every COMMIT on the writer once `failed` says a WAL flush failed: the transaction is
/// rolled back and its caller gets the error (a 503). Observes no changes, only commits.
final class CommitGate: TransactionObserver, @unchecked Sendable {
    let failed: @Sendable () -> Bool

    init(failed: @escaping @Sendable () -> Bool) {
        self.failed = failed
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) {}
    func databaseDidRollback(_ db: Database) {}

    func databaseWillCommit() throws {
        if failed() {
            throw StorageUnavailable(reason: "a WAL flush failed earlier: nothing commits until a restart")
        }
    }
}
