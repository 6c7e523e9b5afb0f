import ArgumentParser
import FirehouseStore

/// `firehouse backup PATH`: a consistent online copy of the database.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent copy of the database (VACUUM INTO) while the service runs.")

    @Argument(help: "Where to write the copy (must not exist).")
    var path: String

    @Option(help: "SQLite database (default: database.path of --config, else ./data/firehouse.sqlite).")
    var database: String?

    @Option(help: "YAML config, for the database path.")
    var config: String?

    func run() async throws {
        let settings = try ConfigLoading.resolve(path: config, listen: nil, database: database, serving: false)
        guard let database = settings.database.sqlitePath else {
            throw ValidationError("backup copies a SQLite database; on PostgreSQL use pg_dump "
                + "(pg_dump -Fc -f firehouse.dump \"$FIREHOUSE_DATABASE_URL\"; restore with pg_restore)")
        }
        let size = try Backup.copy(database: database, to: path)
        print("wrote \(path) (\(size / 1024) KiB, integrity ok)")
    }
}
