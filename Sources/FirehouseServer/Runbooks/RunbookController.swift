import FirehouseCore
import FirehouseService
import Hummingbird

/// `/api/v1/runbooks...` and `/api/v1/incidents/{id}/runbook`.
struct RunbookController: Sendable {
    let catalog: RunbookCatalog
    let repository: any IncidentUseCases

    func addRoutes(to routes: Routes) {
        let runbooks = routes.group("/api/v1/runbooks")
        runbooks.get("", .api(.read), use: list)
        runbooks.get("/:id", .api(.read), use: show)
        runbooks.post("/reload", .api(.admin), use: reload)
        routes.get("/api/v1/incidents/:id/runbook", .api(.read), use: incidentRunbook)
    }

    private struct ListReply: Encodable {
        var runbooks: [RunbookJSON]
    }

    @Sendable func list(_ request: Request, context: FirehouseContext) async throws -> Response {
        JSONResponse.make(ListReply(runbooks: catalog.shelf.library.runbooks.map { RunbookJSON(runbook: $0, withBody: false) }))
    }

    @Sendable func show(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        guard let runbook = catalog.shelf.library[id] else { throw APIError.notFound("runbook \(id.prefix(80))") }
        return JSONResponse.make(RunbookJSON(runbook: runbook, withBody: true))
    }

    @Sendable func reload(_ request: Request, context: FirehouseContext) async throws -> Response {
        JSONResponse.make(catalog.reload())
    }

    /// The attached (primary) runbook as Markdown, front matter included, ready to read or save.
    @Sendable func incidentRunbook(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try context.incidentID()
        guard let detail = try await repository.incident(id: id) else { throw APIError.notFound("incident \(id)") }
        guard let runbook = catalog.shelf.library.primary(of: detail.runbooks) else {
            let links = detail.runbookLinks
            throw APIError(.notFound, "no runbook is attached to \(IncidentReference.format(id))"
                + (links.isEmpty ? "" : "; linked: \(links.joined(separator: ", "))"))
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/markdown; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: runbook.markdown)))
    }
}

/// A runbook in the API: front matter as JSON, plus the Markdown body when asked for.
struct RunbookJSON: Encodable {
    var runbook: Runbook
    var withBody: Bool

    private enum Keys: String, CodingKey { case id, title, path, matchers, severity, owner, body }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(runbook.id, forKey: .id)
        try c.encode(runbook.title, forKey: .title)
        try c.encode(runbook.path, forKey: .path)
        try c.encode(runbook.matchers.map(\.description), forKey: .matchers)
        try c.encode(runbook.severity, forKey: .severity)
        try c.encode(runbook.owner, forKey: .owner)
        if withBody { try c.encode(runbook.body, forKey: .body) }
    }
}
