import FirehouseCore
import FirehousePostgres
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Fresh databases on the throw-away cluster `scripts/test` starts (`FIREHOUSE_TEST_POSTGRES_URL`,
/// the URL of its `postgres` database): one per test, so tests run in parallel and ids start at 1.
enum PostgresTestDatabase {
    static let adminURL = ProcessInfo.processInfo.environment["FIREHOUSE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let logger = Logger(label: "firehouse-test-postgres")

    /// A new, empty database; returns the options that reach it.
    static func create() async throws -> PostgresOptions {
        guard let adminURL else { throw StorageUnavailable(reason: "FIREHOUSE_TEST_POSTGRES_URL is not set") }
        var options = try PostgresOptions(url: adminURL)
        let name = "firehouse_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: options.host, port: options.port, username: options.username, password: options.password,
                                 database: options.database, tls: .disable),
            id: 1, logger: logger)
        try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        try await connection.close()
        options.database = name
        options.maxConnections = 12
        return options
    }

    /// A store on a new database, its pool running for the rest of the test process.
    static func store(replica: String = "test") async throws -> PostgresIncidentStore {
        var options = try await create()
        options.replica = replica
        return try open(options)
    }

    static func open(_ options: PostgresOptions) throws -> PostgresIncidentStore {
        let store = try PostgresIncidentStore(options: options, logger: logger)
        Task { try await store.run() }
        return store
    }
}
