import FirehouseCore
import FirehouseService
import Foundation
import Hummingbird

/// Read side of incidents: `/api/v1/incidents...`.
struct IncidentController: Sendable {
    let repository: any IncidentUseCases
    let runbooks: RunbookShelf
    static var maxLimit: Int { 10_000 }

    func addRoutes(to routes: Routes) {
        let incidents = routes.group("/api/v1/incidents")
        incidents.get("", .api(.read), use: list)
        incidents.get("/:id", .api(.read), use: show)
        incidents.get("/:id/timeline", .api(.read), use: timeline)
    }

    @Sendable func list(_ request: Request, context: FirehouseContext) async throws -> Response {
        let query = try Self.query(from: request)
        let page = try await repository.incidents(query)
        return JSONResponse.bytes(IncidentPageJSON.bytes(page))
    }

    static func query(from request: Request) throws -> IncidentQuery {
        let parameters = request.uri.queryParameters
        var query = IncidentQuery(status: .all, limit: 50)
        if let text = parameters["status"].map(String.init) {
            guard let filter = IncidentStatusFilter(text) else {
                throw APIError.badRequest("status: expected open, resolved, closed, all or a status name, got \"\(text.prefix(30))\"")
            }
            query.status = filter
        }
        if let text = parameters["limit"].map(String.init) {
            guard let limit = Int(text), (1...maxLimit).contains(limit) else {
                throw APIError.badRequest("limit: expected an integer from 1 to \(maxLimit)")
            }
            query.limit = limit
        }
        if let text = parameters["before"].map(String.init) {
            guard let before = Int64(text), before > 0 else { throw APIError.badRequest("before: expected an incident id") }
            query.before = before
        }
        return query
    }

    @Sendable func show(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try context.incidentID()
        guard let detail = try await repository.incident(id: id) else { throw APIError.notFound("incident \(id)") }
        return JSONResponse.make(IncidentJSON(summary: detail.summary, detail: detail, library: runbooks.library))
    }

    private struct TimelineReply: Encodable {
        var timeline: [TimelineEntryJSON]
    }

    @Sendable func timeline(_ request: Request, context: FirehouseContext) async throws -> Response {
        let id = try context.incidentID()
        guard let entries = try await repository.timeline(incidentID: id) else { throw APIError.notFound("incident \(id)") }
        return JSONResponse.make(TimelineReply(timeline: entries.map(TimelineEntryJSON.init)))
    }
}
