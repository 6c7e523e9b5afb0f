import FirehouseCore
import Hummingbird

/// `GET /api/v1/dead-letters`: notifications rejected for good, with their bodies (admin scope:
/// bodies carry every label and annotation of the alerts).
struct DeadLetterController: Sendable {
    let repository: any IncidentRepository

    func addRoutes(to routes: Routes) {
        routes.get("/api/v1/dead-letters", .api(.admin), use: list)
    }

    struct Reply: Encodable {
        var deadLetters: [Letter]
    }

    struct Letter: Encodable {
        var id: Int64
        var receiver: String
        var groupKey: String
        var error: String
        var firstSeenAt: Timestamp
        var lastSeenAt: Timestamp
        var attempts: Int
        var body: String
    }

    @Sendable func list(_ request: Request, context: FirehouseContext) async throws -> Response {
        var limit = 50
        if let text = request.uri.queryParameters["limit"].map(String.init) {
            guard let value = Int(text), (1...1000).contains(value) else { throw APIError.badRequest("limit: expected an integer from 1 to 1000") }
            limit = value
        }
        let letters = try await repository.deadLetters(limit: limit)
        return JSONResponse.make(Reply(deadLetters: letters.map {
            Letter(id: $0.id, receiver: $0.receiver, groupKey: $0.groupKey, error: $0.error, firstSeenAt: $0.firstSeenAt,
                   lastSeenAt: $0.lastSeenAt, attempts: $0.attempts, body: $0.body)
        }))
    }
}
