import ArgumentParser
import FirehouseCore
import FirehousePostgres
import FirehouseServer
import FirehouseStore
import Foundation
import Logging

/// `firehouse postmortem <ref>`: the draft from the database, without a running server.
struct Postmortem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print or write an incident's post-mortem draft, read from the database (no server needed).")

    @Argument(help: "Incident: 12, #12 or INC-12.")
    var ref: String

    @Option(help: "SQLite path or postgres:// URL (default: database.url or database.path of --config, else ./data/firehouse.sqlite).")
    var database: String?

    @Option(help: "YAML config, for the database path, runbooks and post-mortem template.")
    var config: String?

    @Option(help: "Write the draft to this file instead of standard output.")
    var output: String?

    @Option(help: "An earlier version of the draft (default: the latest).")
    var version: Int?

    @Flag(help: "Render the incident's current state, even if it is not closed (nothing is stored).")
    var preview = false

    func run() async throws {
        guard let id = IncidentReference.parse(ref) else { throw ValidationError("\(ref) is not an incident reference") }
        let settings = try ConfigLoading.resolve(path: config, listen: nil, database: database, serving: false)
        let (detail, stored) = try await Self.load(id, version: version, preview: preview, database: settings.database)
        let markdown: String
        if preview {
            let catalog = RunbookCatalog(directory: settings.runbooks.path, logger: .init(label: "firehouse"))
            catalog.reload()
            let drafts = try PostmortemDrafts(templatePath: settings.postmortem.template, runbooks: catalog.shelf,
                                              links: settings.links,
                                              roles: settings.chat.roles)
            markdown = drafts.render(detail)
        } else {
            guard let stored else {
                let status = detail.summary.head.status.rawValue
                throw ValidationError(version.map { "\(IncidentReference.format(id)) has no post-mortem version \($0)" }
                    ?? "\(IncidentReference.format(id)) is \(status) and has no draft yet (it is written on close); --preview renders it now")
            }
            markdown = stored.markdown
        }
        if let output {
            try markdown.write(toFile: output, atomically: true, encoding: .utf8)
            print("wrote \(output)")
        } else {
            print(markdown, terminator: "")
        }
    }

    /// The incident and (unless previewing) the stored draft, read-only on SQLite (a server may be
    /// running on the file, perhaps of another version), or over PostgreSQL.
    static func load(_ id: Int64, version: Int?, preview: Bool,
                     database: FirehouseConfig.DatabaseSection) async throws -> (IncidentDetail, StoredPostmortem?) {
        let missing = ValidationError("no incident \(IncidentReference.format(id)) in \(database.described)")
        switch try database.backend() {
        case .sqlite(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no database at \(path)") }
            let store = try ReadOnlyIncidentStore(path: path)
            guard let detail = try await store.incident(id: id) else { throw missing }
            return (detail, preview ? nil : try await store.postmortem(incidentID: id, version: version))
        case .postgres(let options):
            let found = try await PostgresIncidentStore.with(options, logger: Logger(label: "firehouse")) { store in
                try await store.read { reads in
                    try reads.detail(id: id).map { ($0, preview ? nil : try reads.postmortem(incidentID: id, version: version)) }
                }
            }
            guard let found else { throw missing }
            return found
        }
    }
}
