import Crypto
import FirehouseCore
@testable import FirehouseService
@testable import FirehouseServer
@testable import FirehouseStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Each time input that once trapped the process, over HTTP: a clear 4xx, and the server still answers.
struct HostileTimeRouteTests {
    @Test(arguments: [
        ("/api/v1/stats?since=2262-04-11T23:47:16.9Z", HTTPResponse.Status.badRequest, "since"),
        ("/api/v1/stats?until=2262-04-11T23:47:16.9Z", .badRequest, "until"),
        ("/api/v1/stats?until=1677-09-21T00:12:44Z", .badRequest, "until"),
        ("/api/v1/stats?since=1969-12-31T23:59:59Z", .badRequest, "since"),
        ("/api/v1/stats?since=9999-12-31T23:59:59Z", .badRequest, "since"),
        // The default window (30 days before until) reaches before 1970: saturating, not trapping.
        ("/api/v1/stats?until=1970-01-02T00:00:00Z", .ok, ""),
        ("/api/v1/stats?since=1970-01-01T00:00:00Z&until=2199-12-31T23:59:59Z", .ok, ""),
    ])
    func statsWindows(_ uri: String, _ expected: HTTPResponse.Status, _ field: String) async throws {
        try await withApp { client in
            _ = try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing"))
            let response = try await client.get(uri)
            #expect(response.status == expected)
            if !field.isEmpty { #expect((try json(response)["error"] as? String)?.hasPrefix("\(field): ") == true) }
            let health = try await client.get("/healthz")
            #expect(health.status == .ok)
        }
    }

    static func alerting(startsAt: String, endsAt: String, status: String) -> ByteBuffer {
        ByteBuffer(string: """
        {"version":"4","receiver":"r","status":"\(status)","groupKey":"{}:{alertname=\\"Edge\\"}","groupLabels":{"alertname":"Edge"},
         "alerts":[{"status":"\(status)","labels":{"alertname":"Edge","severity":"critical"},"startsAt":"\(startsAt)","endsAt":"\(endsAt)"}]}
        """)
    }

    @Test(arguments: [
        ("2262-04-11T23:47:16.9Z", "0001-01-01T00:00:00Z", "alerts[0].startsAt"),
        ("1677-09-21T00:12:44Z", "0001-01-01T00:00:00Z", "alerts[0].startsAt"),
        ("2026-11-25T15:00:00Z", "2262-04-11T23:47:16.9Z", "alerts[0].endsAt"),
        ("2026-11-25T15:00:00Z", "1800-01-01T00:00:00Z", "alerts[0].endsAt"),
    ])
    func webhookTimesOutsideTheRangeAreRefused(_ startsAt: String, _ endsAt: String, _ field: String) async throws {
        try await withApp { client in
            let response = try await client.post("/api/v1/alertmanager", Self.alerting(startsAt: startsAt, endsAt: endsAt, status: "firing"))
            #expect(response.status == .badRequest)
            #expect((try json(response)["error"] as? String)?.hasPrefix(field) == true)
        }
    }

    /// The edges of the range end to end: a post-mortem preview and a close with the earliest and
    /// latest representable alert times (the close runs inside the writer's transaction).
    @Test(arguments: [("1970-01-01T00:00:00Z", "1970-01-01T00:00:01Z"), ("2199-12-31T23:59:58Z", "2199-12-31T23:59:59Z")])
    func previewAndCloseAtTheEdgesOfTime(_ startsAt: String, _ endsAt: String) async throws {
        try await withApp { client in
            #expect(try await client.post("/api/v1/alertmanager", Self.alerting(startsAt: startsAt, endsAt: "0001-01-01T00:00:00Z",
                                                                                 status: "firing")).status == .ok)
            #expect(try await client.get("/api/v1/incidents/1/postmortem?preview=true").status == .ok)
            #expect(try await client.post("/api/v1/alertmanager", Self.alerting(startsAt: startsAt, endsAt: endsAt,
                                                                                 status: "resolved")).status == .ok)
            let closed = try await client.post("/api/v1/incidents/1/close", ByteBuffer())
            #expect(closed.status == .ok)
            let markdown = String(buffer: try await client.get("/api/v1/incidents/1/postmortem").body)
            #expect(markdown.contains("Time to detect"))
            #expect(try await client.get("/api/v1/stats?since=1970-01-01T00:00:00Z&until=2199-12-31T23:59:59Z").status == .ok)
        }
    }

    /// The Slack timestamp is read before the signature is checked, from anyone.
    @Test(arguments: ["-9223372036854775808", "9223372036854775807", "99999999999999999999", "-1", "1e9", " 1"])
    func slackTimestampsFromAnyoneAre401(_ timestamp: String) async throws {
        let secret = "slack-secret"
        try await withApp({ $0.chat.slackSigningSecret = secret }) { client in
            let body = "text=list&user_id=U1&team_id=T1"
            let mac = HMAC<SHA256>.authenticationCode(for: Data("v0:\(timestamp):\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
            let signature = "v0=" + mac.map { String(format: "%02x", $0) }.joined()
            let response = try await client.post("/api/v1/chat", ByteBuffer(string: body), headers: [
                .contentType: "application/x-www-form-urlencoded", SlackSignatureVerifier.signatureHeader: signature,
                SlackSignatureVerifier.timestampHeader: timestamp,
            ])
            #expect(response.status == .unauthorized)
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    @Test func theSameSignatureInUpperCaseHexIsStillAReplay() async throws {
        let secret = "slack-secret"
        let now = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
        let ts = "\(now.nanoseconds / 1_000_000_000)"
        let body = "text=list&user_id=U1&team_id=T1"
        let mac = HMAC<SHA256>.authenticationCode(for: Data("v0:\(ts):\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        let (config, dir) = testConfig { $0.chat.slackSigningSecret = secret }
        defer { try? FileManager.default.removeItem(at: dir) }
        @Sendable func post(_ signature: String, _ client: any TestClientProtocol) async throws -> HTTPResponse.Status {
            try await client.post("/api/v1/chat", ByteBuffer(string: body), headers: [
                .contentType: "application/x-www-form-urlencoded", SlackSignatureVerifier.signatureHeader: "v0=" + signature,
                SlackSignatureVerifier.timestampHeader: ts,
            ]).status
        }
        try await buildApplication(config: config, clock: FixedClock(now), http: FakeHTTP()).test(.router) { client in
            let first = try await post(hex, client)
            let upper = try await post(hex.uppercased(), client)
            #expect(first == .ok && upper == .unauthorized)
        }
        // A restart inside the 5-minute window still knows it.
        try await buildApplication(config: config, clock: FixedClock(now), http: FakeHTTP()).test(.router) { client in
            let again = try await post(hex, client)
            #expect(again == .unauthorized)
        }
    }
}

/// A notification the store rejects for good: 422, kept once as a dead letter, listed for admins.
struct DeadLetterRouteTests {
    @Test func aPermanentFailureIsADeadLetterNotARetryLoop() async throws {
        let admin = "admin-token-0123456789abcdef"
        let (config, dir) = testConfig {
            $0.api.tokens = [.init(name: "root", token: admin, scopes: [.admin])]
        }
        defer { try? FileManager.default.removeItem(at: dir) }
        let app = try buildApplication(config: config, http: FakeHTTP())
        // Stands in for a constraint or a bug that fails this notification however often it comes.
        let store = try TestStore.open(config)
        try await store.sqlite.pool.write { db in
            try db.execute(sql: """
                CREATE TRIGGER refuse_edge BEFORE INSERT ON alerts WHEN NEW.labels LIKE '%"alertname":"Edge"%'
                BEGIN SELECT RAISE(ABORT, 'refused by test'); END
                """)
        }
        try await app.test(.router) { client in
            let body = HostileTimeRouteTests.alerting(startsAt: "2026-11-25T15:00:00Z", endsAt: "0001-01-01T00:00:00Z", status: "firing")
            let first = try await client.post("/api/v1/alertmanager", body)
            #expect(first.status == .unprocessableContent)
            #expect((try json(first)["error"] as? String)?.contains("dead letter 1") == true)
            #expect(try await client.post("/api/v1/alertmanager", body).status == .unprocessableContent)
            // Its neighbours are unaffected.
            #expect(try await client.post("/api/v1/alertmanager", try fixtureBytes("01-single-critical--firing")).status == .ok)

            #expect(try await client.get("/api/v1/dead-letters").status == .unauthorized)
            let listed = try json(try await client.get("/api/v1/dead-letters", headers: [.authorization: "Bearer \(admin)"]))
            let letters = try #require(listed["deadLetters"] as? [[String: Any]])
            #expect(letters.count == 1)
            #expect(letters.first?["attempts"] as? Int == 2)
            #expect(letters.first?["receiver"] as? String == "r")
            #expect((letters.first?["error"] as? String)?.contains("refused by test") == true)
            #expect(letters.first?["body"] as? String == String(buffer: body))
            let metrics = String(buffer: try await client.get("/metrics").body)
            #expect(metrics.contains("firehouse_dead_letters_total 2"))
            #expect(metrics.contains(#"firehouse_notifications_received_total{receiver="other",result="dead_letter"} 2"#))
        }
    }
}

/// After a failed WAL flush the process must not look alive, and it exits for a restart.
struct BrokenStoreTests {
    @Test func healthzFailsOnceTheStoreIsBroken() async throws {
        let readiness = Readiness()
        let router = buildRouter(config: FirehouseConfig(), repository: IncidentService.broken, readiness: readiness)
        try await Application(router: router).test(.router) { client in
            #expect(try await client.get("/healthz").status == .ok)
            readiness.markBroken()
            let response = try await client.get("/healthz")
            #expect(response.status == .serviceUnavailable)
            #expect(try json(response)["status"] as? String == "broken")
        }
    }

    /// A broken store is never closed before the process exits: its last connection closing would
    /// checkpoint a WAL of unknown state into the database file.
    @Test func theWatchdogKeepsABrokenStoreOpen() throws {
        let (config, dir) = testConfig()
        defer { try? FileManager.default.removeItem(at: dir) }
        let watchdog = StorageWatchdog(logger: Logger(label: "test"))
        weak var released: SQLiteIncidentStore?
        do {
            let store = try TestStore.open(config).sqlite
            released = store
            watchdog.hold(store)
            watchdog.hold(try TestStore.open(config).sqlite)  // the one watched is the last held
        }
        #expect(released == nil)  // held no more, so released as usual
        weak var broken: SQLiteIncidentStore?
        do {
            let store = try TestStore.open(config).sqlite
            broken = store
            watchdog.hold(store)
            watchdog.report(StorageUnavailable(reason: "fdatasync failed (errno 5)"))
            watchdog.hold(try TestStore.open(config).sqlite)
        }
        #expect(broken != nil)
    }

    @Test func theWatchdogEndsTheRunWithTheReason() async throws {
        let watchdog = StorageWatchdog(logger: Logger(label: "test"))
        watchdog.report(StorageUnavailable(reason: "fdatasync failed (errno 5)"))
        await #expect(throws: StorageWatchdog.Broken.self) { try await watchdog.run() }
    }
}
