import FirehouseCore
@testable import FirehouseServer
@testable import FirehouseService
import FirehouseStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

func fixtureBytes(_ name: String) throws -> ByteBuffer {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
    return ByteBuffer(bytes: try Data(contentsOf: url))
}

/// A config on a fresh temp database.
func testConfig(_ edit: (inout FirehouseConfig) -> Void = { _ in }) -> (FirehouseConfig, URL) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("firehouse-server-\(UUID().uuidString)")
    var config = FirehouseConfig()
    config.database.path = dir.appendingPathComponent("db/firehouse.sqlite").path
    config.runbooks.path = dir.appendingPathComponent("no-runbooks").path
    edit(&config)
    return (config, dir)
}

/// Runs `body` against the app built by `buildApplication` on a temp database.
func withApp(_ edit: (inout FirehouseConfig) -> Void = { _ in },
             clock: any WallClock = FixedClock(Timestamp(rfc3339: "2026-11-25T15:00:00Z")!),
             http: any OutboundHTTP = FakeHTTP(),
             _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    let (config, dir) = testConfig(edit)
    defer { try? FileManager.default.removeItem(at: dir) }
    let app = try buildApplication(config: config, clock: clock, http: http)
    try await app.test(.router, body)
}

func json(_ response: TestResponse) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body))
    return try #require(object as? [String: Any])
}

extension TestClientProtocol {
    func post(_ uri: String, _ body: ByteBuffer, headers: HTTPFields = [.contentType: "application/json"]) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: headers, body: body)
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: headers)
    }
}

/// Outgoing HTTP for tests: records every request and answers with a script (or throws, like a
/// refused connection).
final class FakeHTTP: OutboundHTTP, @unchecked Sendable {
    private let lock = NSLock()
    private var _requests: [OutboundRequest] = []
    private var answer: @Sendable (OutboundRequest) throws -> OutboundResponse

    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    init(_ answer: @escaping @Sendable (OutboundRequest) throws -> OutboundResponse = { _ in OutboundResponse(status: 200) }) {
        self.answer = answer
    }

    var requests: [OutboundRequest] { lock.withLock { _requests } }
    /// Told of every request as it is sent (tests await it instead of sleeping).
    var onSend: (@Sendable (OutboundRequest) -> Void)? {
        get { lock.withLock { _onSend } }
        set { lock.withLock { _onSend = newValue } }
    }
    private var _onSend: (@Sendable (OutboundRequest) -> Void)?

    func answer(with next: @escaping @Sendable (OutboundRequest) throws -> OutboundResponse) {
        lock.withLock { answer = next }
    }

    func send(_ request: OutboundRequest, timeout: Duration) async throws -> OutboundResponse {
        let (answer, onSend) = lock.withLock {
            _requests.append(request)
            return (self.answer, _onSend)
        }
        onSend?(request)
        return try answer(request)
    }
}

func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
}

extension IncidentService {
    /// The SQLite store underneath, for tests that look at the database itself.
    var sqlite: SQLiteIncidentStore { store as! SQLiteIncidentStore }

    /// A service over an existing store, with defaults.
    static func over(_ store: SQLiteIncidentStore, clock: any WallClock, config: CorrelationConfig = .init(),
                     routes: NotificationRoutes = NotificationRoutes()) -> IncidentService {
        IncidentService(store: store, correlator: Correlator(config: config), clock: clock, routes: routes)
    }
}
