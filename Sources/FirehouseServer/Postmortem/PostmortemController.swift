import FirehouseCore
import FirehouseService
import Foundation
import Hummingbird

/// `POST /api/v1/incidents/{id}/close` and `GET /api/v1/incidents/{id}/postmortem`.
struct PostmortemController: Sendable {
    let repository: any IncidentUseCases
    let drafts: PostmortemDrafts
    let maxBodyBytes: Int

    func addRoutes(to routes: Routes) {
        let incident = routes.group("/api/v1/incidents/:id")
        incident.post("/close", .api(.write), use: close)
        incident.get("/postmortem", .api(.read), use: show)
    }

    private struct CloseReply: Encodable {
        var id: Int64
        var ref: String
        var status: String
        var postmortem: PostmortemJSON?
    }

    /// Closes a resolved incident and returns the draft that was written; the actor is the token's
    /// identity (a body's `user` is ignored). Closing a closed incident answers its latest draft again.
    @Sendable func close(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try context.incidentID()
        _ = try await RequestBody.decode(RequestBody.Ignored.self, from: request, limit: maxBodyBytes, example: "{}")
        let actor = try context.requireActor()
        switch try await repository.perform(.move(.close, summary: nil), on: id, actor: actor) {
        case .notFound:
            throw APIError.notFound("incident \(id)")
        case .refused(let text):
            throw APIError(.conflict, text)
        case .changed, .unchanged:
            return try await closed(id)
        }
    }

    private func closed(_ id: Int64) async throws -> Response {
        let stored = try await repository.postmortem(incidentID: id, version: nil)
        return JSONResponse.make(CloseReply(
            id: id, ref: IncidentReference.format(id), status: IncidentStatus.closed.rawValue,
            postmortem: stored.map { PostmortemJSON(stored: $0, url: drafts.postmortemLink(id), withMarkdown: false) }))
    }

    @Sendable func show(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try context.incidentID()
        let query = request.uri.queryParameters
        let asJSON = try Self.format(query["format"].map(String.init))
        let preview = query["preview"].map { $0 == "true" || $0 == "1" } ?? false
        var version: Int?
        if let text = query["version"].map(String.init) {
            guard let number = Int(text), number > 0 else { throw APIError.badRequest("version: expected a positive integer") }
            version = number
        }
        guard let detail = try await repository.incident(id: id) else { throw APIError.notFound("incident \(id)") }
        let stored: StoredPostmortem
        if preview {
            stored = StoredPostmortem(version: 0, generatedAt: Timestamp(nanoseconds: 0), markdown: drafts.render(detail))
        } else if let version {
            guard let found = try await repository.postmortem(incidentID: id, version: version) else {
                throw APIError.notFound("post-mortem version \(version) of \(IncidentReference.format(id))")
            }
            stored = found
        } else {
            let status = detail.summary.head.status
            guard status == .closed, let found = try await repository.postmortem(incidentID: id, version: nil) else {
                throw APIError(.conflict, "\(IncidentReference.format(id)) is \(status.rawValue), not closed: the draft is "
                    + "written when it is closed (`close \(id)` in chat or POST /api/v1/incidents/\(id)/close, once resolved). "
                    + "Add ?preview=true to see the current state.")
            }
            stored = found
        }
        if asJSON {
            return JSONResponse.make(PostmortemJSON(stored: stored, url: drafts.postmortemLink(id), withMarkdown: true, preview: preview))
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/markdown; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: stored.markdown)))
    }

    static func format(_ text: String?) throws -> Bool {
        switch text {
        case nil, "markdown", "md": return false
        case "json": return true
        default: throw APIError.badRequest("format: expected json or markdown")
        }
    }
}

/// `{"version": 2, "generatedAt": "...", "url": "...", "markdown": "..."}`; a preview has version 0 and
/// generatedAt null.
struct PostmortemJSON: Encodable {
    var stored: StoredPostmortem
    var url: String
    var withMarkdown: Bool
    var preview = false

    private enum Keys: String, CodingKey { case version, generatedAt, url, markdown }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(stored.version, forKey: .version)
        try c.encode(preview ? nil : stored.generatedAt, forKey: .generatedAt)
        try c.encode(url, forKey: .url)
        if withMarkdown { try c.encode(stored.markdown, forKey: .markdown) }
    }
}
