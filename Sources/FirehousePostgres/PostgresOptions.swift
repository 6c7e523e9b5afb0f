import Foundation

/// Where and how to reach PostgreSQL: parsed from `database.url`
/// (`postgres://user[:password]@host[:port]/database?sslmode=...&sslrootcert=...`).
public struct PostgresOptions: Sendable, Equatable {
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, unverified (libpq's default).
        case prefer
        /// TLS or no connection, unverified unless a CA is given.
        case require
        /// TLS with the server's chain checked against the CA (system roots when none is given).
        case verifyCA = "verify-ca"
        /// As `verify-ca`, and the host name must match the certificate.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// A PEM file of CA certificates to verify the server with (an operator's own CA in a cluster).
    public var caFile: String?
    /// Connections of this replica's pool (and threads its transactions run on).
    public var maxConnections: Int
    /// This replica's name, the owner of the leases it holds (defaults to the host name).
    public var replica: String

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String,
                tls: TLSMode = .prefer, caFile: String? = nil, maxConnections: Int = 10, replica: String = PostgresOptions.defaultReplica) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.caFile = caFile
        self.maxConnections = maxConnections
        self.replica = replica
    }

    public static var defaultReplica: String { ProcessInfo.processInfo.hostName }

    /// True for the URLs this store takes (`postgres://`, `postgresql://`).
    public static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a libpq-style URL; the message of a thrown error says what is wrong, never the password.
    public init(url text: String) throws(URLError) {
        guard Self.isPostgresURL(text), let url = URLComponents(string: text) else {
            throw URLError("expected postgres://user@host:port/database")
        }
        guard let host = url.host, !host.isEmpty else { throw URLError("no host in the URL") }
        guard let user = url.user, !user.isEmpty else { throw URLError("no user in the URL (postgres://user@host/database)") }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !database.isEmpty, !database.contains("/") else { throw URLError("no database in the URL (postgres://user@host/database)") }
        self.init(host: host, port: url.port ?? 5432, username: user.removingPercentEncoding ?? user,
                  password: url.password.map { $0.removingPercentEncoding ?? $0 }, database: database)
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    throw URLError("sslmode: expected one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "sslrootcert":
                caFile = item.value
            case "application_name", "connect_timeout":
                continue  // libpq options without meaning here; accepted so a shared DSN works
            default:
                throw URLError("unknown URL parameter \(item.name) (known: sslmode, sslrootcert)")
            }
        }
    }

    public struct URLError: Error, Equatable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }
}
