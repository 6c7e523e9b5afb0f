import FirehouseCore
import GRDB

/// Refuses every COMMIT on the writer once a WAL flush failed: the transaction is rolled back and
/// its caller gets the error (a 503). Observes no changes, only commits.
final class CommitGate: TransactionObserver, @unchecked Sendable {
    let syncer: WALSyncer

    init(syncer: WALSyncer) {
        self.syncer = syncer
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) {}
    func databaseDidRollback(_ db: Database) {}

    func databaseWillCommit() throws {
        try syncer.refuseIfBroken()
    }
}
