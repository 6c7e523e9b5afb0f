import FirehouseCore
import GRDB

/// The database opened read-only, for tools beside a running server (`firehouse postmortem`): it
/// never creates, migrates or writes anything, and refuses a database not yet migrated to this
/// version's schema (a newer one reads: migrations only add).
public struct ReadOnlyIncidentStore: Sendable {
    let queue: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            let migrated = try queue.read { db in try Migrations.migrator.hasCompletedMigrations(db) }
            guard migrated else {
                throw StorageUnavailable(reason: "\(path) is not at this version's schema (run `firehouse serve` of this version once, or use the matching binary)")
            }
        } catch let error as StorageUnavailable {
            throw error
        } catch {
            throw StorageUnavailable(reason: "cannot open \(path) read-only: \(error)")
        }
    }

    public func incident(id: Int64) async throws -> IncidentDetail? {
        try await queue.read { db in try IncidentReader(db: db).detail(id: id) }
    }

    public func postmortem(incidentID: Int64, version: Int?) async throws -> StoredPostmortem? {
        try await queue.read { db in try IncidentReader(db: db).postmortem(incidentID: incidentID, version: version) }
    }
}
