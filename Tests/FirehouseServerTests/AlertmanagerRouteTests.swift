import FirehouseCore
@testable import FirehouseService
@testable import FirehouseServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

struct AlertmanagerRouteTests {
    @Test func rawAlertmanagerBodyOpensAnIncident() async throws {
        try await withApp { client in
            let response = try await client.post("/api/v1/alertmanager", try fixtureBytes("raw-01-single-critical--firing"))
            #expect(response.status == .ok)
            let body = try json(response)
            let incidents = try #require(body["incidents"] as? [[String: Any]])
            #expect(incidents.count == 1)
            #expect(incidents[0]["id"] as? Int == 1)
            #expect(incidents[0]["action"] as? String == "opened")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func repeatIsUnchangedAndResolveResolves() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let again = try json(try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing")))
            #expect((again["incidents"] as? [[String: Any]])?.first?["action"] as? String == "unchanged")
            let resolved = try json(try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--resolved")))
            #expect((resolved["incidents"] as? [[String: Any]])?.first?["action"] as? String == "resolved")
        }
    }

    /// Each bad body must get 400 and an error that names the field.
    @Test(arguments: [
        ("{", "malformed JSON"),
        ("[]", "object"),
        (#"{"version":"3","receiver":"r","status":"firing","alerts":[]}"#, "version"),
        (#"{"version":"4","receiver":"r","status":"firing","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"never"}]}"#, "alerts[0].startsAt"),
        (#"{"version":"4","status":"firing","alerts":[]}"#, "receiver"),
    ])
    func badBodiesAre400(body: String, mentions: String) async throws {
        try await withApp { client in
            let response = try await client.post("/api/v1/alertmanager", ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            let error = try #require(try json(response)["error"] as? String)
            #expect(error.contains(mentions), "\(error)")
        }
    }

    @Test func oversizedBodyIs413AndNothingIsStored() async throws {
        try await withApp({ $0.server.maxBodyBytes = 2048 }) { client in
            let response = try await client.post("/api/v1/alertmanager", try fixtureBytes("06-unicode-long-annotations--firing"))
            #expect(response.status == .contentTooLarge)
            #expect(try json(response)["error"] is String)
            let list = try json(try await client.get("/api/v1/incidents"))
            #expect((list["incidents"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: [
        (nil as String?, HTTPResponse.Status.unauthorized),
        ("Bearer wrong", .unauthorized),
        ("Bearer s3cret-token", .ok),
        ("bearer s3cret-token", .ok),  // the scheme is case-insensitive (RFC 9110), as for API tokens
        ("Bearer s3cret-tokenX", .unauthorized),
        ("Bearers3cret-token", .unauthorized),
        ("Basic czNjcmV0LXRva2Vu", .unauthorized),
    ])
    func bearerToken(header: String?, status: HTTPResponse.Status) async throws {
        try await withApp({ $0.webhook.bearerToken = "s3cret-token" }) { client in
            var headers: HTTPFields = [.contentType: "application/json"]
            if let header { headers[.authorization] = header }
            let response = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"), headers: headers)
            #expect(response.status == status)
            if status == .unauthorized { #expect(try json(response)["error"] is String) }
        }
    }

    @Test(arguments: [
        ("Basic " + Data("am:pw".utf8).base64EncodedString(), HTTPResponse.Status.ok),
        ("Basic " + Data("am:nope".utf8).base64EncodedString(), .unauthorized),
        ("Bearer pw", .unauthorized),
    ])
    func basicAuth(header: String, status: HTTPResponse.Status) async throws {
        try await withApp({ $0.webhook.basicUsername = "am"; $0.webhook.basicPassword = "pw" }) { client in
            let response = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"),
                                                 headers: [.contentType: "application/json", .authorization: header])
            #expect(response.status == status)
        }
    }

    @Test func storageFailureIs503WithRetryAfter() async throws {
        let app = Application(router: buildRouter(config: FirehouseConfig(), repository: IncidentService.broken))
        try await app.test(.router) { client in
            let response = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] != nil)
            #expect(try json(response)["error"] is String)
            let ready = try await client.get("/readyz")
            #expect(ready.status == .serviceUnavailable)
            #expect(try await client.get("/healthz").status == .ok)
        }
    }
}

/// A store whose disk is gone: every read and write fails as SQLite's I/O errors do.
struct BrokenStore: IncidentStore {
    static let failure = StorageUnavailable(reason: "disk I/O error")
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReads) throws -> T) async throws -> T { throw Self.failure }
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T { throw Self.failure }
    func groupWrite<T: Sendable>(locking keys: [String], _ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        throw Self.failure
    }
    func durableOutboxID() async -> Int64 { 0 }
    func checkReady() async throws { throw Self.failure }
    func claimLease(_ name: String, owner: String, until: Timestamp, now: Timestamp) async throws -> Bool { throw Self.failure }
}

extension IncidentService {
    /// The service over a store whose disk is gone.
    static var broken: IncidentService {
        IncidentService(store: BrokenStore(), correlator: Correlator(config: .init()), clock: FixedClock(Timestamp(seconds: 0)))
    }
}
