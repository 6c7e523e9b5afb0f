import Hummingbird

/// An error with a status and a message for the client, rendered as `{"error": "..."}`.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, "\(what) not found") }
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
}
