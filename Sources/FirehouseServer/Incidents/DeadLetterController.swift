import FirehouseCore
import FirehouseService
import Hummingbird

/// `GET /api/v1/dead-letters`: notifications rejected for good, with their bodies (admin scope:
/// bodies carry every label and annotation of the alerts).
struct DeadLetterController: Sendable {
    let repository: any IncidentUseCases

    func addRoutes(to routes: Routes) {
        routes.get("/api/v1/dead-letters", .api(.admin), use: list)
    }

    struct Reply: Encodable {
        var deadLetters: [DeadLetter]
    }

    @Sendable func list(_ request: Request, context: FirehouseContext) async throws -> Response {
        var limit = 50
        if let text = request.uri.queryParameters["limit"].map(String.init) {
            guard let value = Int(text), (1...1000).contains(value) else { throw APIError.badRequest("limit: expected an integer from 1 to 1000") }
            limit = value
        }
        return JSONResponse.make(Reply(deadLetters: try await repository.deadLetters(limit: limit)))
    }
}
