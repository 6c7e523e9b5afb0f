import FirehousePostgres

extension FirehouseConfig.DatabaseSection {
    /// Which store `database.url` (else `database.path`) names.
    public enum Backend: Equatable, Sendable {
        case sqlite(path: String)
        case postgres(PostgresOptions)
    }

    /// `database.url` read: a `postgres://` URL is PostgreSQL (with `password` and `ca_file`
    /// applied); `sqlite:PATH`, a plain path or nothing is the embedded SQLite.
    public func backend() throws(ConfigError) -> Backend {
        if url.isEmpty { return .sqlite(path: path) }
        guard PostgresOptions.isPostgresURL(url) else {
            var rest = Substring(url)
            if rest.hasPrefix("sqlite://") { rest = rest.dropFirst("sqlite://".count) } else if rest.hasPrefix("sqlite:") {
                rest = rest.dropFirst("sqlite:".count)
            }
            guard !rest.isEmpty else { throw ConfigError(path: "database.url", message: "no SQLite path after sqlite:") }
            return .sqlite(path: String(rest))
        }
        var options: PostgresOptions
        do {
            options = try PostgresOptions(url: url)
        } catch {
            throw ConfigError(path: "database.url", message: error.description)
        }
        if !password.isEmpty { options.password = password }
        if !caFile.isEmpty { options.caFile = caFile }
        options.maxConnections = maxConnections
        if !replica.isEmpty { options.replica = replica }
        return .postgres(options)
    }

    /// The SQLite file, for the tools that work on one (`backup`); nil on PostgreSQL.
    public var sqlitePath: String? {
        if case .sqlite(let path)? = try? backend() { path } else { nil }
    }
}

extension FirehouseConfig.DatabaseSection {
    /// The database for a log line: never the password.
    public var described: String {
        switch try? backend() {
        case .postgres(let o)?: "postgres://\(o.username)@\(o.host):\(o.port)/\(o.database) (sslmode=\(o.tls.rawValue))"
        case .sqlite(let path)?: path
        case nil: "(invalid database.url)"
        }
    }
}
