import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// A hot statement, prepared once on each connection that runs it: PostgreSQL then parses and
/// plans it once instead of at every call (planning was half of the server's time per statement
/// in a storm, by `pg_stat_statements`). It is prepared without parameter types, so every `$n`
/// carries a cast that names its type, and integers are `::bigint` (what `Int` binds as).
/// Its plan is generic (`plan_cache_mode`), made once per connection, maybe while the tables are
/// still empty: so each is written to have no sensible plan but through an index
/// (`PostgresStatementTests` checks that on empty tables).
struct HotStatement: Hashable, Sendable, CustomStringConvertible {
    let sql: String

    init(_ sql: String) { self.sql = sql }

    var description: String { String(sql.prefix(60)) }
}

/// The hot statements prepared so far on each of the pool's connections (by connection id, which
/// the pool never reuses).
final class PreparedStatements: Sendable {
    private let byConnection = NIOLockedValueBox<[PostgresConnection.ID: ConnectionStatements]>([:])
    /// Connections closed by the pool leave their entries behind; past this many, all are
    /// forgotten. A live connection forgotten this way deallocates its statements before it
    /// prepares them again (`PostgresTransaction.prepareHotStatements`), so none pile up.
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func on(_ connection: PostgresConnection) -> ConnectionStatements {
        byConnection.withLockedValue { all in
            if let known = all[connection.id] { return known }
            if all.count >= limit { all.removeAll() }
            let statements = ConnectionStatements()
            all[connection.id] = statements
            return statements
        }
    }
}

/// One connection's prepared statements. Only the transaction holding the connection uses it.
final class ConnectionStatements: @unchecked Sendable {
    var prepared: [String: PreparedQuery] = [:]
}

/// A parameter of a hot statement, encoded as postgres-nio encodes an interpolated value.
func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> PostgresData {
    var buffer = ByteBuffer()
    value.encode(into: &buffer, context: .default)
    return PostgresData(type: value.psqlType, formatCode: value.psqlFormat, value: buffer)
}

func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value?) -> PostgresData {
    guard let value else { return PostgresData(type: .null, value: nil) }
    return bind(value)
}
