import FirehouseCore
import FirehouseService
import Hummingbird

/// `POST/DELETE /api/v1/incidents/{id}/silence`, `GET /api/v1/incidents/{id}/silences`.
struct SilenceController: Sendable {
    let service: SilenceService
    let repository: any IncidentUseCases
    let maxBodyBytes: Int

    func addRoutes(to routes: Routes) {
        let incident = routes.group("/api/v1/incidents/:id")
        incident.post("/silence", .api(.write), use: silence)
        incident.delete("/silence", .api(.write), use: unsilence)
        incident.get("/silences", .api(.read), use: list)
    }

    struct SilenceReply: Encodable {
        var incident: Int64
        var silenceID: String
        var matchers: [String: String]
        var startsAt: Timestamp
        var endsAt: Timestamp
        var comment: String
    }

    /// Body: `{"duration": "2h", "comment": "..."}`; answers 201 with the silence. The actor (the
    /// silence's `createdBy`) is the token's identity; a body's `user` is ignored.
    @Sendable func silence(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try IncidentController.incidentID(context)
        let body = try await RequestBody.object(request, limit: maxBodyBytes,
                                                example: #"{"duration": "2h", "comment": "deploying the fix"}"#)
        guard case .string(let text)? = body["duration"], let duration = TimeSpan(parsing: text) else {
            throw APIError.badRequest("duration: expected a duration such as 30m, 2h or 1h30m")
        }
        let comment: String?
        switch body["comment"] {
        case nil, .null?: comment = nil
        case .string(let text)?: comment = text.isEmpty ? nil : text
        default: throw APIError.badRequest("comment: expected a string")
        }
        switch try await service.silence(id, duration: duration, comment: comment, actor: try context.requireActor()) {
        case .notFound: throw APIError.notFound("incident \(id)")
        case .refused(let text): throw APIError(.unprocessableContent, text)
        case .done(let done):
            let silence = done.request
            return JSONResponse.make(SilenceReply(
                incident: id, silenceID: done.silenceID, matchers: silence.matchers, startsAt: silence.startsAt,
                endsAt: silence.endsAt, comment: silence.comment), status: .created)
        }
    }

    struct UnsilenceReply: Encodable {
        var incident: Int64
        var expired: [String]
    }

    /// Expires every active silence of the incident; no body needed (a body's `user` is ignored).
    @Sendable func unsilence(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try IncidentController.incidentID(context)
        _ = try await RequestBody.object(request, limit: maxBodyBytes, example: "{}")
        switch try await service.unsilence(id, actor: try context.requireActor()) {
        case .notFound: throw APIError.notFound("incident \(id)")
        case .refused(let text): throw APIError(.conflict, text)
        case .done(let done): return JSONResponse.make(UnsilenceReply(incident: id, expired: done.silenceIDs))
        }
    }

    struct ActiveSilence: Encodable {
        var silenceID: String
        var matchers: [String: String]
        var endsAt: Timestamp
        var createdBy: String
    }

    @Sendable func list(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try IncidentController.incidentID(context)
        guard let active = try await repository.activeSilences(incidentID: id) else { throw APIError.notFound("incident \(id)") }
        return JSONResponse.make(["silences": active.map {
            ActiveSilence(silenceID: $0.silenceID, matchers: $0.matchers, endsAt: $0.endsAt, createdBy: $0.createdBy)
        }])
    }
}
