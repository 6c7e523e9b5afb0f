import FirehouseCore
@testable import FirehouseServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The DNS-rebinding guard: while Firehouse relies on a loopback listen address for safety, a
/// request naming a foreign host is refused, whatever route it is for.
struct LoopbackHostGuardTests {
    static func host(_ name: String) -> HTTPFields { [HTTPField.Name("Host")!: name] }

    @Test func aForeignHostIsRefusedWhileRoutesAreOpen() async throws {
        try await withApp { client in
            for name in ["localhost:9095", "127.0.0.1:9095", "127.1.2.3", "[::1]:9095", "app.localhost", "LOCALHOST"] {
                #expect(try await client.get("/api/v1/incidents", headers: Self.host(name)).status == .ok, "\(name)")
            }
            for name in ["evil.example:9095", "firehouse.example.com", "localhost.evil.example", "10.0.0.1"] {
                let response = try await client.get("/api/v1/incidents", headers: Self.host(name))
                #expect(response.status == .forbidden, "\(name)")
                #expect(((try json(response))["error"] as? String)?.contains("DNS rebinding") == true)
            }
            let webhook = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"),
                                                headers: [.contentType: "application/json", HTTPField.Name("Host")!: "evil.example"])
            #expect(webhook.status == .forbidden, "an open webhook is guarded too")
            #expect(try await client.get("/api/v1/incidents").status == .ok, "no Host at all (not a browser)")
        }
    }

    @Test func theGuardStandsDownWhenNothingReliesOnLoopback() throws {
        var closed = FirehouseConfig()
        closed.api.tokens = [.init(name: "a", token: "0123456789abcdef0123", scopes: [.admin])]
        closed.webhook.bearerToken = "hook"
        closed.chat.token = "chat"
        #expect(LoopbackHostGuard(config: closed) == nil, "every route needs a credential")
        var open = FirehouseConfig()
        open.server.allowUnauthenticated = true
        #expect(LoopbackHostGuard(config: open) == nil, "open on purpose")
        var wide = FirehouseConfig()
        wide.server.listen = ListenAddress(host: "0.0.0.0", port: 9095)
        #expect(LoopbackHostGuard(config: wide) == nil, "not loopback: credentials are required anyway")
        #expect(LoopbackHostGuard(config: FirehouseConfig()) != nil)
    }
}
