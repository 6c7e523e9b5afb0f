@testable import FirehouseServer
import FirehousePostgres
import Testing

/// `database.url` (and `FIREHOUSE_DATABASE_URL`, `--database`): which backend, and the errors.
struct DatabaseConfigTests {
    typealias Backend = FirehouseConfig.DatabaseSection.Backend

    static let accepted: [(String, Backend)] = [
        ("", .sqlite(path: "./data/firehouse.sqlite")),
        ("/var/lib/firehouse/db.sqlite", .sqlite(path: "/var/lib/firehouse/db.sqlite")),
        ("sqlite:/data/fh.sqlite", .sqlite(path: "/data/fh.sqlite")),
        ("sqlite:///data/fh.sqlite", .sqlite(path: "/data/fh.sqlite")),
        ("postgres://fh@db:5432/firehouse", .postgres(PostgresOptions(host: "db", username: "fh", database: "firehouse", replica: "r"))),
        ("postgresql://fh:s%40cret@10.0.0.5/incidents?sslmode=require&sslrootcert=/ca.pem",
         .postgres(PostgresOptions(host: "10.0.0.5", username: "fh", password: "s@cret", database: "incidents", tls: .require,
                                   caFile: "/ca.pem", replica: "r"))),
        ("postgres://fh@db:6432/firehouse?sslmode=disable&application_name=x",
         .postgres(PostgresOptions(host: "db", port: 6432, username: "fh", database: "firehouse", tls: .disable, replica: "r"))),
    ]

    @Test func urlsNameTheirBackend() throws {
        for (url, backend) in Self.accepted {
            var database = FirehouseConfig.DatabaseSection()
            database.url = url
            database.replica = "r"
            #expect(try database.backend() == backend, "\(url)")
        }
    }

    static let refused: [(String, String)] = [
        ("postgres://db/firehouse", "database.url: no user in the URL (postgres://user@host/database)"),
        ("postgres://fh@db", "database.url: no database in the URL (postgres://user@host/database)"),
        ("postgres://fh@/firehouse", "database.url: no host in the URL"),
        ("postgres://fh@db/firehouse?sslmode=maybe",
         "database.url: sslmode: expected one of disable, prefer, require, verify-ca, verify-full"),
        ("postgres://fh@db/firehouse?pool=3", "database.url: unknown URL parameter pool (known: sslmode, sslrootcert)"),
        ("sqlite:", "database.url: no SQLite path after sqlite:"),
    ]

    @Test func badURLsAreProblemsWithTheKeyPath() {
        for (url, message) in Self.refused {
            let problems = FirehouseConfig.parse(yaml: "database: {url: \"\(url)\"}").failure?.errors.map(\.description)
            #expect(problems == [message], "\(url)")
            // The same URL from the environment is refused by validate, with the same words.
            var config = FirehouseConfig()
            config.applyEnvironment(["FIREHOUSE_DATABASE_URL": url])
            #expect(config.validate().map(\.description) == [message], "\(url)")
        }
    }

    @Test func thePasswordAndCAFromTheirOwnKeysWin() throws {
        var config = try FirehouseConfig.parse(yaml: """
            database: {url: "postgres://fh:old@db/firehouse", ca_file: /etc/ca.pem, max_connections: 3}
            """).get()
        config.applyEnvironment(["FIREHOUSE_DATABASE_PASSWORD": "new", "FIREHOUSE_REPLICA": "pod-7"])
        guard case .postgres(let options) = try config.database.backend() else { Issue.record("not postgres"); return }
        #expect(options.password == "new" && options.caFile == "/etc/ca.pem" && options.maxConnections == 3 && options.replica == "pod-7")
        #expect(config.database.described == "postgres://fh@db:5432/firehouse (sslmode=prefer)")
        #expect(!config.database.described.contains("new"))
        #expect(config.database.sqlitePath == nil)
    }

    @Test func passwordAndPasswordFileAreExclusive() {
        let problems = FirehouseConfig.parse(yaml: "database: {password: a, password_file: /x}", readFile: { _ in "b" }).failure?.errors
        #expect(problems?.map(\.description) == ["database.password_file: password and password_file are mutually exclusive"])
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { failure } else { nil }
    }
}
