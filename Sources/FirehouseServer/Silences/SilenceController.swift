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

    /// `{"duration": "2h", "comment": "..."}`: a duration is required; an empty comment is none.
    struct SilenceBody: Decodable {
        var duration: TimeSpan
        var comment: String?

        private enum CodingKeys: String, CodingKey { case duration, comment }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            guard let text = try? fields.decode(String.self, forKey: .duration), let duration = TimeSpan(parsing: text) else {
                throw APIError.badRequest("duration: expected a duration such as 30m, 2h or 1h30m")
            }
            self.duration = duration
            let comment: String?
            do {
                comment = try fields.decodeIfPresent(String.self, forKey: .comment)
            } catch {
                throw APIError.badRequest("comment: expected a string")
            }
            self.comment = comment?.isEmpty == false ? comment : nil
        }
    }

    /// Body: `SilenceBody`; answers 201 with the silence. The actor (the
    /// silence's `createdBy`) is the token's identity; a body's `user` is ignored.
    @Sendable func silence(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try context.incidentID()
        let body = try await RequestBody.decode(SilenceBody.self, from: request, limit: maxBodyBytes,
                                                example: #"{"duration": "2h", "comment": "deploying the fix"}"#)
        switch try await service.silence(id, duration: body.duration, comment: body.comment, actor: try context.requireActor()) {
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
        let id = try context.incidentID()
        _ = try await RequestBody.decode(RequestBody.Ignored.self, from: request, limit: maxBodyBytes, example: "{}")
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
        let id = try context.incidentID()
        guard let active = try await repository.activeSilences(incidentID: id) else { throw APIError.notFound("incident \(id)") }
        return JSONResponse.make(["silences": active.map {
            ActiveSilence(silenceID: $0.silenceID, matchers: $0.matchers, endsAt: $0.endsAt, createdBy: $0.createdBy)
        }])
    }
}
