import FirehouseCore
import Hummingbird

/// Reading request bodies within a limit.
enum RequestBody {
    /// Rejects by `Content-Length` before reading anything, and stops reading once past the limit.
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw APIError(.contentTooLarge, "request body is \(length) bytes, the limit is \(limit)")
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, "request body is over the limit of \(limit) bytes")
        }
    }

    /// A JSON object body; an empty body is an empty object. `example` shows the expected shape.
    static func object(_ request: Request, limit: Int, example: String) async throws -> JSONValue {
        let body = try await collect(request, limit: limit)
        guard body.readableBytes > 0 else { return .object([]) }
        guard let value = try? JSONValue.parse(body.readableBytesView), case .object = value else {
            throw APIError.badRequest("body must be a JSON object such as \(example)")
        }
        return value
    }
}
