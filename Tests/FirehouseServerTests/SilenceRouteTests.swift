import FirehouseCore
@testable import FirehouseServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Silences through the API and chat, against a scripted Alertmanager (the real one is in the e2e test).
struct SilenceRouteTests {
    static func alertmanager() -> FakeHTTP {
        FakeHTTP { request in
            switch (request.method, request.url) {
            case ("POST", "http://am:9093/api/v2/silences"):
                return OutboundResponse(status: 200, body: Array(#"{"silenceID":"6f4c2b1a-0000-4000-8000-000000000001"}"#.utf8))
            case ("DELETE", "http://am:9093/api/v2/silence/6f4c2b1a-0000-4000-8000-000000000001"):
                return OutboundResponse(status: 200)
            default:
                return OutboundResponse(status: 404, body: Array("not found".utf8))
            }
        }
    }

    static func configure(_ config: inout FirehouseConfig) { config.alertmanager.url = "http://am:9093" }

    static let opsToken = "ops-token-0123456789abcdef"
    static func withToken(_ config: inout FirehouseConfig) {
        configure(&config)
        config.api.tokens = [.init(name: "ops", token: opsToken, scopes: [.write])]
    }

    static func body(_ object: [String: Any]) throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
    }

    @Test func silenceAndUnsilenceThroughTheAPI() async throws {
        let am = Self.alertmanager()
        try await withApp(Self.withToken, http: am) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(Self.opsToken)", .contentType: "application/json"]
            #expect(try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts")).status == .ok)
            // The body's "user" is ignored: the actor is the token's identity.
            let response = try await client.post("/api/v1/incidents/1/silence",
                                                 try Self.body(["duration": "2h", "comment": "deploying fix", "user": "alice"]),
                                                 headers: auth)
            #expect(response.status == .created)
            let reply = try json(response)
            #expect(reply["silenceID"] as? String == "6f4c2b1a-0000-4000-8000-000000000001")
            #expect(reply["endsAt"] as? String == "2026-11-25T17:00:00Z")
            let sent = try jsonObject(try #require(am.requests.first).body)
            let matchers = try #require(sent["matchers"] as? [[String: Any]])
            #expect(matchers.allSatisfy { $0["isEqual"] as? Bool == true && $0["isRegex"] as? Bool == false })
            #expect(matchers.contains { $0["name"] as? String == "alertname" })
            #expect(sent["createdBy"] as? String == "api:ops" && sent["comment"] as? String == "INC-1: deploying fix")

            let listed = try json(try await client.get("/api/v1/incidents/1/silences", headers: auth))
            #expect((listed["silences"] as? [[String: Any]])?.first?["createdBy"] as? String == "api:ops")
            let deleted = try await client.execute(uri: "/api/v1/incidents/1/silence", method: .delete, headers: auth)
            #expect(deleted.status == .ok)
            #expect(try json(deleted)["expired"] as? [String] == ["6f4c2b1a-0000-4000-8000-000000000001"])
            #expect(am.requests.last?.method == "DELETE")
            let again = try await client.execute(uri: "/api/v1/incidents/1/silence", method: .delete, headers: auth)
            #expect(again.status == .conflict)
            #expect(try json(again)["error"] as? String == "INC-1 has no active silence")

            let timeline = try json(try await client.get("/api/v1/incidents/1/timeline", headers: auth))["timeline"] as? [[String: Any]] ?? []
            let kinds = timeline.compactMap { $0["kind"] as? String }
            #expect(kinds.suffix(2) == ["silenced", "unsilenced"])
            #expect(timeline.suffix(2).allSatisfy { $0["actor"] as? String == "api:ops" })
        }
    }

    struct BadRequest: Sendable, CustomStringConvertible {
        var path: String
        var body: String
        var status: HTTPResponse.Status
        var error: String
        var description: String { "\(path) \(body)" }
    }

    static let badRequests: [BadRequest] = [
        BadRequest(path: "/api/v1/incidents/1/silence", body: #"{"duration": "soon"}"#, status: .badRequest,
                   error: "duration: expected a duration such as 30m, 2h or 1h30m"),
        BadRequest(path: "/api/v1/incidents/1/silence", body: "[1]", status: .badRequest,
                   error: #"body must be a JSON object such as {"duration": "2h", "comment": "deploying the fix"}"#),
        BadRequest(path: "/api/v1/incidents/1/silence", body: #"{"duration": "2h", "comment": 7}"#, status: .badRequest,
                   error: "comment: expected a string"),
        BadRequest(path: "/api/v1/incidents/1/silence", body: #"{"duration": 5}"#, status: .badRequest,
                   error: "duration: expected a duration such as 30m, 2h or 1h30m"),
        BadRequest(path: "/api/v1/incidents/1/silence", body: #"{"comment": "no duration"}"#, status: .badRequest,
                   error: "duration: expected a duration such as 30m, 2h or 1h30m"),
        BadRequest(path: "/api/v1/incidents/1/silence", body: #"{"duration": "2h""#, status: .badRequest,
                   error: #"body must be a JSON object such as {"duration": "2h", "comment": "deploying the fix"}"#),
        BadRequest(path: "/api/v1/incidents/INC-x/silence", body: #"{"duration": "2h"}"#, status: .badRequest,
                   error: "id: expected an incident id such as 12 or INC-12"),
        BadRequest(path: "/api/v1/incidents/1/silence", body: #"{"duration": "30d"}"#, status: .unprocessableContent,
                   error: "the longest silence is 7d; got 30d"),
        BadRequest(path: "/api/v1/incidents/99/silence", body: #"{"duration": "2h"}"#, status: .notFound, error: "incident 99 not found"),
        BadRequest(path: "/api/v1/incidents/2/silence", body: #"{"duration": "2h"}"#, status: .unprocessableContent,
                   error: "INC-2 has no alerts to silence"),
    ]

    @Test(arguments: badRequests) func badSilenceRequestsAreRefusedAndNothingIsCreated(_ bad: BadRequest) async throws {
        let am = Self.alertmanager()
        try await withApp(Self.configure, http: am) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            _ = try await ChatRouteTests.say(client, "declare sev2 Something by hand")
            let response = try await client.post(bad.path, ByteBuffer(string: bad.body))
            #expect(response.status == bad.status)
            #expect(try json(response)["error"] as? String == bad.error)
            #expect(am.requests.isEmpty)
        }
    }

    @Test func alertmanagerTroubleIsABadGatewayAndRecordsNothing() async throws {
        let down = FakeHTTP { _ in throw FakeHTTP.Unreachable() }
        try await withApp(Self.configure, http: down) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            let response = try await client.post("/api/v1/incidents/1/silence", try Self.body(["duration": "1h"]))
            #expect(response.status == .badGateway)
            #expect(try json(response)["error"] as? String == "alertmanager at http://am:9093 is unreachable: connection refused")
            let (type, text) = try await ChatRouteTests.say(client, "silence 1 1h")
            #expect(type == "ephemeral" && text == "alertmanager at http://am:9093 is unreachable: connection refused.")
            let timeline = try json(try await client.get("/api/v1/incidents/1/timeline"))["timeline"] as? [[String: Any]] ?? []
            #expect(!timeline.contains { $0["kind"] as? String == "silenced" })
        }
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            let response = try await client.post("/api/v1/incidents/1/silence", try Self.body(["duration": "1h"]))
            #expect(response.status == .serviceUnavailable)
            #expect(try json(response)["error"] as? String == "silences need alertmanager.url in the Firehouse config")
        }
    }

    @Test func aSilenceAlertmanagerLostStillUnsilences() async throws {
        let am = Self.alertmanager()
        try await withApp(Self.configure, http: am) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            #expect(try await client.post("/api/v1/incidents/1/silence", try Self.body(["duration": "1h"])).status == .created)
            // Alertmanager lost its data (no persistent volume); 0.25 then answers 500 "silence not found".
            am.answer { _ in OutboundResponse(status: 500, body: Array("\"silence not found\"\n".utf8)) }
            let deleted = try await client.execute(uri: "/api/v1/incidents/1/silence", method: .delete)
            #expect(deleted.status == .ok)
            // Any other Alertmanager error is a 502 and records nothing.
            #expect(try await client.post("/api/v1/incidents/1/silence", try Self.body(["duration": "1h"])).status == .badGateway)
        }
    }

    @Test func silenceFromChat() async throws {
        try await withApp(Self.configure, http: Self.alertmanager()) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("02-alert-storm--firing-5-alerts"))
            var (type, text) = try await ChatRouteTests.say(client, "silence INC-1 90m rolling back")
            #expect(type == "in_channel")
            #expect(text.hasPrefix("*INC-1*: silenced in Alertmanager for 1h30m (until 2026-11-25T16:30:00Z): {alertname="))
            #expect(text.hasSuffix("(by alice)"))
            (type, text) = try await ChatRouteTests.say(client, "silence 1 2h", user: nil)
            #expect(type == "ephemeral" && text.hasPrefix("Only identified users"))
            (type, text) = try await ChatRouteTests.say(client, "silence 1 forever")
            #expect(text.hasPrefix("\"forever\" is not a duration"))
            (type, text) = try await ChatRouteTests.say(client, "unsilence 1")
            #expect(type == "in_channel" && text.contains("silence expired in Alertmanager: 6f4c2b1a-0000-4000-8000-000000000001"))
        }
    }
}
