import FirehouseCore
import Foundation
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

    /// A JSON object body decoded as `T`; an empty body is `{}`. A field's own complaint (an
    /// `APIError` thrown by `T.init(from:)`) is told as is; anything else shows `example`.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int, example: String) async throws -> T {
        let body = try await collect(request, limit: limit)
        let json = body.readableBytes > 0 ? Data(body.readableBytesView) : Data("{}".utf8)
        do {
            return try JSONDecoder().decode(T.self, from: json)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("body must be a JSON object such as \(example)")
        }
    }

    /// A body that must be a JSON object (or empty) but whose fields are ignored, such as a
    /// `user` that older clients send: the actor comes from the credentials.
    struct Ignored: Decodable {
        init(from decoder: any Decoder) throws {
            _ = try decoder.container(keyedBy: AnyKey.self)
        }

        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }
}
