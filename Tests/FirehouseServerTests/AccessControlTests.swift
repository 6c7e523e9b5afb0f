import FirehouseCore
@testable import FirehouseService
@testable import FirehouseServer
import FirehouseStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Every route × {no token, wrong token, wrong scope, right scope}; the route table is checked
/// against what `buildRoutes` registered, so a new route without an entry here fails.
struct AccessControlTests {
    static let tokens: [APIScope: String] = [
        .read: "read-token-0123456789abcdef", .write: "write-token-0123456789abcdef", .admin: "admin-token-0123456789abcdef",
    ]

    static func configure(_ config: inout FirehouseConfig) {
        config.api.tokens = [
            .init(name: "viewer", token: tokens[.read]!, scopes: [.read]),
            .init(name: "ops", token: tokens[.write]!, scopes: [.write]),
            .init(name: "root", token: tokens[.admin]!, scopes: [.admin, .read]),
        ]
        config.webhook.bearerToken = "webhook-secret"
        config.chat.token = "chat-secret"
        config.metrics.bearerToken = "metrics-secret"
        config.alertmanager.url = "http://am:9093"
    }

    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var pattern: String
        var uri: String
        var access: RouteAccess
        var description: String { "\(method.rawValue) \(uri)" }
    }

    /// The contract in the README's "Access control" table.
    static let routes: [Route] = [
        Route(method: .get, pattern: "/healthz", uri: "/healthz", access: .open),
        Route(method: .get, pattern: "/readyz", uri: "/readyz", access: .open),
        Route(method: .get, pattern: "/metrics", uri: "/metrics", access: .metrics),
        Route(method: .post, pattern: "/api/v1/alertmanager", uri: "/api/v1/alertmanager", access: .webhook),
        Route(method: .post, pattern: "/api/v1/chat", uri: "/api/v1/chat", access: .chat),
        Route(method: .post, pattern: "/api/v1/chat/actions", uri: "/api/v1/chat/actions", access: .chatAction),
        Route(method: .get, pattern: "/api/v1/incidents", uri: "/api/v1/incidents", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/incidents/:id", uri: "/api/v1/incidents/1", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/incidents/:id/timeline", uri: "/api/v1/incidents/1/timeline", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/incidents/:id/runbook", uri: "/api/v1/incidents/1/runbook", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/incidents/:id/postmortem", uri: "/api/v1/incidents/1/postmortem?preview=true", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/incidents/:id/silences", uri: "/api/v1/incidents/1/silences", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/runbooks", uri: "/api/v1/runbooks", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/runbooks/:id", uri: "/api/v1/runbooks/none", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/stats", uri: "/api/v1/stats", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/slo", uri: "/api/v1/slo", access: .api(.read)),
        Route(method: .get, pattern: "/api/v1/slo/:service", uri: "/api/v1/slo/checkout", access: .api(.read)),
        Route(method: .post, pattern: "/api/v1/incidents/:id/close", uri: "/api/v1/incidents/1/close", access: .api(.write)),
        Route(method: .post, pattern: "/api/v1/incidents/:id/silence", uri: "/api/v1/incidents/1/silence", access: .api(.write)),
        Route(method: .delete, pattern: "/api/v1/incidents/:id/silence", uri: "/api/v1/incidents/1/silence", access: .api(.write)),
        Route(method: .post, pattern: "/api/v1/runbooks/reload", uri: "/api/v1/runbooks/reload", access: .api(.admin)),
        Route(method: .get, pattern: "/api/v1/dead-letters", uri: "/api/v1/dead-letters", access: .api(.admin)),
        // The web view: its own sign-in (WebRouteTests covers who may do what there).
        Route(method: .get, pattern: "/ui", uri: "/ui", access: .open),
        Route(method: .get, pattern: "/ui/static/:name", uri: "/ui/static/app.css", access: .open),
        Route(method: .get, pattern: "/ui/login", uri: "/ui/login", access: .open),
        Route(method: .post, pattern: "/ui/login", uri: "/ui/login", access: .open),
        Route(method: .post, pattern: "/ui/logout", uri: "/ui/logout", access: .open),
        Route(method: .get, pattern: "/ui/incidents", uri: "/ui/incidents", access: .ui(.read)),
        Route(method: .get, pattern: "/ui/incidents/:id", uri: "/ui/incidents/1", access: .ui(.read)),
        Route(method: .get, pattern: "/ui/incidents/:id/postmortem", uri: "/ui/incidents/1/postmortem", access: .ui(.read)),
        Route(method: .post, pattern: "/ui/incidents/:id/actions", uri: "/ui/incidents/1/actions", access: .ui(.write)),
        Route(method: .post, pattern: "/ui/incidents/:id/silence", uri: "/ui/incidents/1/silence", access: .ui(.write)),
        Route(method: .get, pattern: "/ui/runbooks", uri: "/ui/runbooks", access: .ui(.read)),
        Route(method: .get, pattern: "/ui/runbooks/:id", uri: "/ui/runbooks/none", access: .ui(.read)),
        Route(method: .get, pattern: "/ui/stats", uri: "/ui/stats", access: .ui(.read)),
        Route(method: .get, pattern: "/ui/changes", uri: "/ui/changes", access: .ui(.read)),
    ]

    @Test func theTableIsEveryRegisteredRoute() throws {
        let (config, dir) = testConfig(Self.configure)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TestStore.open(config)
        let registered = buildRoutes(config: config, repository: store).registered
        let expected = Self.routes.map { RouteEntry(method: $0.method.rawValue, path: $0.pattern, access: $0.access) }
        #expect(registered.sorted { "\($0.method) \($0.path)" < "\($1.method) \($1.path)" }
            == expected.sorted { "\($0.method) \($0.path)" < "\($1.method) \($1.path)" })
    }

    /// Every web route refuses a browser nobody signed in: pages send it to the sign-in form,
    /// form posts and the live-update endpoint answer 401.
    @Test(arguments: routes.filter { if case .ui = $0.access { return true } else { return false } })
    func webRoutesRefuseAnonymousBrowsers(_ route: Route) async throws {
        try await withApp(Self.configure) { client in
            // An API token is not a browser session.
            for headers: HTTPFields in [[:], [.authorization: "Bearer \(Self.tokens[.admin]!)"]] {
                let response = try await client.execute(uri: route.uri, method: route.method, headers: headers)
                if route.method == .get, route.pattern != "/ui/changes" {
                    #expect(response.status == .seeOther, "\(route)")
                    #expect(response.headers[.location]?.hasPrefix("/ui/login?next=") == true, "\(route)")
                } else {
                    #expect(response.status == .unauthorized, "\(route)")
                }
            }
        }
    }

    enum Caller: String, CaseIterable, Sendable {
        case none, wrongToken, wrongScope, rightScope
    }

    static var apiCases: [(Route, Caller)] {
        routes.flatMap { route -> [(Route, Caller)] in
            guard case .api(let scope) = route.access else { return [] }
            // A read route has no weaker scope to be refused with.
            return Caller.allCases.filter { $0 != .wrongScope || scope > .read }.map { (route, $0) }
        }
    }

    @Test(arguments: apiCases)
    func apiRoute(_ route: Route, _ caller: Caller) async throws {
        guard case .api(let scope) = route.access else { return }
        try await withApp(Self.configure, http: SilenceRouteTests.alertmanager()) { client in
            // An incident to act on, so a permitted call reaches its handler.
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"),
                                      headers: [.contentType: "application/json", .authorization: "Bearer webhook-secret"])
            var headers: HTTPFields = [.contentType: "application/json"]
            switch caller {
            case .none: break
            case .wrongToken: headers[.authorization] = "Bearer not-a-token-at-all"
            case .wrongScope: headers[.authorization] = "Bearer \(Self.tokens[APIScope.allCases[APIScope.allCases.firstIndex(of: scope)! - 1]]!)"
            case .rightScope: headers[.authorization] = "Bearer \(Self.tokens[scope]!)"
            }
            let body = route.uri.hasSuffix("/silence") && route.method == .post ? ByteBuffer(string: #"{"duration": "1h"}"#) : ByteBuffer()
            let response = try await client.execute(uri: route.uri, method: route.method, headers: headers, body: body)
            switch caller {
            case .none, .wrongToken:
                #expect(response.status == .unauthorized, "\(route)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(try json(response)["error"] is String)
            case .wrongScope:
                #expect(response.status == .forbidden, "\(route)")
                #expect((try json(response)["error"] as? String)?.contains("needs \(scope.rawValue)") == true)
                #expect(response.headers[.wwwAuthenticate]?.contains(#"error="insufficient_scope""#) == true)
            case .rightScope:
                #expect(![.unauthorized, .forbidden].contains(response.status), "\(route): \(String(buffer: response.body))")
            }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get,
                                                                  headers: [.authorization: "Bearer metrics-secret"]).body)
            let reason = caller == .wrongScope ? "scope" : "credentials"
            let denied = #"firehouse_auth_denied_total{route="\#(route.pattern)",reason="\#(reason)"} 1"#
            #expect(metrics.contains(denied) == (caller != .rightScope), "\(route) \(caller)")
        }
    }

    @Test(arguments: [("", HTTPResponse.Status.unauthorized), ("Bearer wrong", .unauthorized), ("Bearer metrics-secret", .ok)])
    func metricsToken(_ authorization: String, _ expected: HTTPResponse.Status) async throws {
        try await withApp(Self.configure) { client in
            let headers: HTTPFields = authorization.isEmpty ? [:] : [.authorization: authorization]
            let response = try await client.execute(uri: "/metrics", method: .get, headers: headers)
            #expect(response.status == expected)
            // Probes carry no credentials and stay open.
            let health = try await client.get("/healthz")
            let ready = try await client.get("/readyz")
            #expect(health.status == .ok && ready.status == .ok)
        }
    }

    @Test(arguments: [("", HTTPResponse.Status.unauthorized), ("Bearer wrong", .unauthorized), ("Bearer webhook-secret", .ok),
                      ("Bearer \(tokens[.admin]!)", .unauthorized)])
    func webhookKeepsItsOwnCredential(_ authorization: String, _ expected: HTTPResponse.Status) async throws {
        try await withApp(Self.configure) { client in
            var headers: HTTPFields = [.contentType: "application/json"]
            if !authorization.isEmpty { headers[.authorization] = authorization }
            let response = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"), headers: headers)
            #expect(response.status == expected)
        }
    }

    @Test func theActorIsTheTokenNeverTheBody() async throws {
        try await withApp(Self.configure) { client in
            let hook: HTTPFields = [.contentType: "application/json", .authorization: "Bearer webhook-secret"]
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"), headers: hook)
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--resolved"), headers: hook)
            let ops: HTTPFields = [.contentType: "application/json", .authorization: "Bearer \(Self.tokens[.write]!)"]
            let closed = try await client.post("/api/v1/incidents/1/close", ByteBuffer(string: #"{"user": "mallory"}"#), headers: ops)
            #expect(closed.status == .ok)
            let read: HTTPFields = [.authorization: "Bearer \(Self.tokens[.read]!)"]
            let timeline = try json(try await client.get("/api/v1/incidents/1/timeline", headers: read))["timeline"] as? [[String: Any]] ?? []
            let close = try #require(timeline.last { $0["kind"] as? String == "status_changed" })
            #expect(close["kind"] as? String == "status_changed")
            #expect(close["actor"] as? String == "api:ops")
            #expect((close["data"] as? [String: Any])?["actorID"] as? String == "api:ops")
            #expect(!String(describing: timeline).contains("mallory"))
        }
    }

    @Test func withoutTokensTheAPIIsOpenToLoopbackCallers() async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            #expect(try await client.get("/api/v1/incidents/1").status == .ok)
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--resolved"))
            #expect(try await client.post("/api/v1/incidents/1/close", ByteBuffer(string: #"{"user": "mallory"}"#)).status == .ok)
            let timeline = try json(try await client.get("/api/v1/incidents/1/timeline"))["timeline"] as? [[String: Any]] ?? []
            #expect(timeline.last { $0["kind"] as? String == "status_changed" }?["actor"] as? String == "api")
        }
    }

    @Test func unconfiguredReceiversShareOneMetricLabel() async throws {
        try await withApp({ $0.webhook.receivers = ["team-a"] }) { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let text = String(buffer: try await client.get("/metrics").body)
            #expect(text.contains(#"firehouse_notifications_received_total{receiver="other",result="ok"} 1"#))
            #expect(!text.contains(#"receiver="incident-bot""#))
        }
    }

    @Test(arguments: [
        ("Bearer", false), ("Bearer ", false), ("bearer abc", true), ("BEARER abc", true), ("Basic abc", false), ("Bearer  abc ", true),
    ])
    func bearerHeaderParsing(_ header: String, _ parsed: Bool) {
        #expect((APIAccess.bearer(header) != nil) == parsed)
        if parsed { #expect(APIAccess.bearer(header) == "abc") }
    }
}

/// A store on the config's temp database, for tests that need `buildRoutes` without a server.
enum TestStore {
    static func open(_ config: FirehouseConfig) throws -> IncidentService {
        IncidentService.over(try SQLiteIncidentStore(options: .init(path: config.database.path)),
                             clock: FixedClock(Timestamp(rfc3339: "2026-11-25T15:00:00Z")!), config: config.correlationConfig)
    }
}
