import FirehouseCore
import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Consistent online copies of the database.
public enum Backup {
    /// Writes a transactionally consistent copy with `VACUUM INTO` from a read-only connection of its
    /// own (a WAL snapshot: the running server keeps writing), then checks the copy's integrity.
    /// Returns the size of the copy in bytes.
    @discardableResult
    public static func copy(database: String, to target: String) throws -> Int64 {
        guard FileManager.default.fileExists(atPath: database) else {
            throw StorageUnavailable(reason: "no database at \(database)")
        }
        guard !FileManager.default.fileExists(atPath: target) else {
            throw StorageUnavailable(reason: "\(target) already exists; choose a new file")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            let source = try DatabaseQueue(path: database, configuration: configuration)
            try source.inDatabase { db in try db.execute(sql: "VACUUM INTO ?", arguments: [target]) }
            let copy = try DatabaseQueue(path: target, configuration: configuration)
            let check = try copy.inDatabase { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") }
            guard check == "ok" else { throw StorageUnavailable(reason: "integrity check of the copy failed: \(check ?? "?")") }
        } catch let error as StorageUnavailable {
            throw error
        } catch {
            throw StorageUnavailable(reason: "backup failed: \(error)")
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: target)
        if let size = attributes?[.size] as? Int64 { return size }
        return Int64(attributes?[.size] as? Int ?? 0)
    }
}
