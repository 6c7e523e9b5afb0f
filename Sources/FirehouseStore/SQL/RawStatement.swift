import GRDB
import GRDBSQLite

/// Binds, runs and reads a cached GRDB statement through SQLite's C API. Used on the hot paths
/// (ingest's inserts and lookups, the incident list), where GRDB's boxed arguments and row
/// decoding cost more than SQLite's own work.
struct RawStatement {
    private let handle: OpaquePointer
    private let db: Database
    private var index: Int32 = 0

    init(_ db: Database, sql: String) throws {
        self.db = db
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
    }

    mutating func bind(_ value: Int64) {
        index += 1
        sqlite3_bind_int64(handle, index, value)
    }

    mutating func bind(_ value: Int) { bind(Int64(value)) }

    mutating func bind(_ value: Bool) { bind(Int64(value ? 1 : 0)) }

    mutating func bind(_ value: Int64?) {
        if let value { bind(value) } else {
            index += 1
            sqlite3_bind_null(handle, index)
        }
    }

    mutating func bind(_ value: String) {
        index += 1
        var text = value
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                if let start = chars.baseAddress {
                    _ = sqlite3_bind_text(handle, index, start, Int32(chars.count), SQLITE_TRANSIENT)
                } else {
                    // An empty buffer may have no address; a NULL pointer would store NULL, not ''.
                    _ = sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
                }
            }
        }
    }

    /// Runs the statement to completion; errors carry SQLite's extended code, as GRDB's do.
    mutating func execute() throws {
        while try next() {}
    }

    /// Steps to the next row; false (and ready to bind again) once there is none.
    mutating func next() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        let error = code == SQLITE_DONE ? nil : currentError()
        reset()
        if let error { throw error }
        return false
    }

    /// Ends a query early, before `next` returned false.
    mutating func reset() {
        sqlite3_reset(handle)
        index = 0
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func optionalInt64(_ column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column))), as: UTF8.self)
    }

    private func currentError() -> DatabaseError {
        let connection = db.sqliteConnection
        return DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                             message: connection.map { String(cString: sqlite3_errmsg($0)) })
    }
}

/// SQLite copies bound text before `bind` returns.
private let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
