import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// An outgoing HTTP request: chat webhooks and the Alertmanager API.
public struct OutboundRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// What came back; the body is cut to `OutboundResponse.maxBody` bytes.
public struct OutboundResponse: Sendable, Equatable {
    public var status: Int
    /// Names lowercased.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static let maxBody = 65_536
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Sends outgoing HTTP; tests use a fake that records requests and scripts answers.
public protocol OutboundHTTP: Sendable {
    /// Throws on connection errors and timeouts; any HTTP status is a response.
    func send(_ request: OutboundRequest, timeout: Duration) async throws -> OutboundResponse
}

/// `OutboundHTTP` over AsyncHTTPClient's shared client (real connect and read timeouts).
public struct AsyncHTTPOutbound: OutboundHTTP {
    public init() {}

    public func send(_ request: OutboundRequest, timeout: Duration) async throws -> OutboundResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        outgoing.headers.add(name: "User-Agent", value: "firehouse")
        for (name, value) in request.headers { outgoing.headers.replaceOrAdd(name: name, value: value) }
        if !request.body.isEmpty { outgoing.body = .bytes(ByteBuffer(bytes: request.body)) }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let response = try await HTTPClient.shared.execute(outgoing, timeout: .nanoseconds(nanoseconds))
        // Keep only the start and stop reading there (the connection is then closed, not
        // reused): a receiver cannot make Firehouse read or hold a large answer. The caller's
        // deadline bounds a body that drips.
        var kept: [UInt8] = []
        for try await chunk in response.body {
            kept += chunk.readableBytesView.prefix(OutboundResponse.maxBody - kept.count)
            if kept.count >= OutboundResponse.maxBody { break }
        }
        var headers: [String: String] = [:]
        for (name, value) in response.headers { headers[name.lowercased()] = value }
        return OutboundResponse(status: Int(response.status.code), headers: headers, body: kept)
    }
}
