import FirehouseCore
import GRDB

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SQLiteIncidentStore {
    public func deadLetter(_ draft: DeadLetterDraft) async throws -> Int64 {
        let now = clock.now()
        return try await write { db in
            try db.execute(sql: """
                INSERT INTO dead_letters (body_sha256, receiver, group_key, body, error, first_seen_at, last_seen_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (body_sha256) DO UPDATE SET
                    attempts = attempts + 1, last_seen_at = excluded.last_seen_at, error = excluded.error
                """, arguments: [Data(draft.digest), draft.receiver, draft.groupKey, Data(draft.body), draft.error,
                                 now.nanoseconds, now.nanoseconds])
            return try Int64.fetchOne(db, sql: "SELECT id FROM dead_letters WHERE body_sha256 = ?", arguments: [Data(draft.digest)]) ?? 0
        }
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, receiver, group_key, error, first_seen_at, last_seen_at, attempts, body
                FROM dead_letters ORDER BY id DESC LIMIT ?
                """, arguments: [limit]).map { row in
                let body: Data = row[7]
                return DeadLetter(id: row[0], receiver: row[1], groupKey: row[2], error: row[3],
                                  firstSeenAt: Timestamp(nanoseconds: row[4]), lastSeenAt: Timestamp(nanoseconds: row[5]),
                                  attempts: row[6], body: String(decoding: body, as: UTF8.self))
            }
        }
    }

    public func firstSighting(mac: [UInt8], timestamp: Int64, forgetBefore: Int64) async throws -> Bool {
        try await write { db in
            try db.execute(sql: "DELETE FROM seen_signatures WHERE request_ts < ?", arguments: [forgetBefore])
            try db.execute(sql: "INSERT OR IGNORE INTO seen_signatures (mac, request_ts) VALUES (?, ?)",
                           arguments: [Data(mac), timestamp])
            return db.changesCount == 1
        }
    }
}
