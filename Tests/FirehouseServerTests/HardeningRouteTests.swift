import FirehouseCore
@testable import FirehouseServer
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Hostile input over HTTP: bodies over their route's limit, payloads over the webhook limits, and
/// refused senders (logged and counted).
struct HardeningRouteTests {
    static func metrics(_ client: any TestClientProtocol) async throws -> String {
        String(buffer: try await client.get("/metrics").body)
    }

    @Test func eachRouteHasItsBodyLimit() async throws {
        try await withApp { client in
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 70_000)
            let chat = try await client.post("/api/v1/chat", big)
            #expect(chat.status == .contentTooLarge)
            #expect(try json(chat)["error"] as? String == "request body is 70000 bytes, the limit is 65536")
            let silence = try await client.post("/api/v1/incidents/1/silence", big)
            #expect(silence.status == .contentTooLarge)
            // The webhook takes bodies up to server.max_body_bytes (1 MiB): this one is read, and is bad JSON.
            #expect(try await client.post("/api/v1/alertmanager", big).status == .badRequest)
            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 1_048_577)
            #expect(try await client.post("/api/v1/alertmanager", huge).status == .contentTooLarge)
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    @Test func webhookLimitsAnswer400AndStoreNothing() async throws {
        try await withApp({ $0.webhook.limits.maxAlerts = 3 }) { client in
            let alert = #"{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-25T15:00:00Z"}"#
            let body = #"{"version":"4","receiver":"r","status":"firing","alerts":["# + Array(repeating: alert, count: 4).joined(separator: ",") + "]}"
            let response = try await client.post("/api/v1/alertmanager", ByteBuffer(string: body))
            #expect(response.status == .badRequest)
            #expect(try json(response)["error"] as? String == "alerts: 4 alerts, the limit is 3 per notification")
            #expect((try json(try await client.get("/api/v1/incidents"))["incidents"] as? [Any])?.isEmpty == true)
            #expect(try await Self.metrics(client).contains(#"firehouse_notifications_received_total{receiver="unknown",result="bad_request"} 1"#))
        }
    }

    @Test func refusedSendersAreCounted() async throws {
        try await withApp({
            $0.webhook.bearerToken = "right"
        }) { client in
            let wrong = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"),
                                              headers: [.contentType: "application/json", .authorization: "Bearer wrong"])
            #expect(wrong.status == .unauthorized)
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let (type, _) = try await ChatRouteTests.say(client, "declare sev2 nobody", user: nil)
            #expect(type == "ephemeral")
            let text = try await Self.metrics(client)
            #expect(text.contains(#"firehouse_auth_denied_total{route="/api/v1/alertmanager",reason="credentials"} 2"#))
            #expect(text.contains(#"firehouse_auth_denied_total{route="/api/v1/chat",reason="anonymous_change"} 1"#))
        }
        try await withApp({ $0.chat.token = "chat-secret" }) { client in
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: #"{"text": "list", "user": "alice"}"#))
            #expect(response.status == .unauthorized)
            #expect(try await Self.metrics(client).contains(#"firehouse_auth_denied_total{route="/api/v1/chat",reason="credentials"} 1"#))
        }
    }
}
