import ArgumentParser
import FirehouseServer
import Hummingbird
import Logging
import ServiceLifecycle

import Foundation

/// `firehouse serve`: run the HTTP service.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP service (embedded defaults if no config is given).")

    @Option(help: "YAML config file (see config/firehouse.yml). Default: embedded defaults.")
    var config: String?

    @Option(help: "Listen address HOST:PORT (overrides server.listen).")
    var listen: String?

    @Option(help: "SQLite path, sqlite:PATH or postgres://user@host:port/db URL (overrides database.url and database.path).")
    var database: String?

    func run() async throws {
        let settings = try ConfigLoading.resolve(path: config, listen: listen, database: database)
        LoggerFactory.bootstrap(settings.logging)
        let logger = LoggerFactory.make(settings.logging)
        logger.info("starting", metadata: [
            "listen": "\(settings.server.listen)", "database": "\(settings.database.described)",
            "config": "\(config ?? "(embedded defaults)")",
        ])
        let readiness = Readiness()
        let app = try buildApplication(config: settings, logger: logger, readiness: readiness)
        // Services stop in reverse order: the drain service (readiness off, then a pause) goes first,
        // then the HTTP server finishes in-flight requests, then the WAL is checkpointed.
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: app),
                .init(service: DrainService(readiness: readiness, delay: .nanoseconds(settings.server.shutdownDelay.nanoseconds),
                                            logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        configuration.maximumGracefulShutdownDuration = .nanoseconds(settings.server.gracePeriod.nanoseconds)
        try await ServiceGroup(configuration: configuration).run()
        // However it stopped, a broken store must end non-zero so the supervisor restarts it.
        if readiness.isBroken {
            logger.critical("stopped with a broken store (a WAL flush failed); restart to recover the database")
            throw ExitCode(70)
        }
        logger.info("stopped")
    }
}

/// Turns the command line and environment into a validated config, or exits with the problems.
enum ConfigLoading {
    /// `serving: false` (the offline tools: postmortem, backup) skips the checks across keys, such as
    /// secrets named by `*_env` or the refusal of an unauthenticated non-loopback listen address:
    /// reading the database needs neither.
    static func resolve(path: String?, listen: String?, database: String?, serving: Bool = true) throws -> FirehouseConfig {
        var settings = FirehouseConfig()
        if let path {
            switch FirehouseConfig.load(path: path) {
            case .success(let loaded): settings = loaded
            case .failure(let problems): throw report(problems.errors, path: path)
            }
        }
        settings.applyEnvironment(ProcessInfo.processInfo.environment)
        if let listen {
            guard let address = ListenAddress(listen) else { throw ValidationError("--listen: expected HOST:PORT, got \(listen)") }
            settings.server.listen = address
        }
        if let database { settings.database.url = database }
        let problems = serving ? settings.validate() : []
        if !problems.isEmpty { throw report(problems, path: path ?? "(defaults)") }
        return settings
    }

    static func report(_ errors: [ConfigError], path: String) -> ExitCode {
        var stderr = StandardError()
        print("\(path): \(errors.count) problem\(errors.count == 1 ? "" : "s")", to: &stderr)
        for error in errors { print("  \(error)", to: &stderr) }
        return ExitCode(2)
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}
