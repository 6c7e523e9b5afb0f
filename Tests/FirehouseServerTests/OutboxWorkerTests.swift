import Crypto
import FirehouseCore
@testable import FirehouseService
@testable import FirehouseServer
import FirehouseStore
import Foundation
import Logging
import Testing

/// The delivery worker against a real store and a scripted receiver: retries, backoff, restarts,
/// and never a second send after a success.
struct OutboxWorkerTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
    let alice = Actor(id: "T1:U1", name: "alice")

    final class Rig {
        let directory: URL
        let clock: ManualClock
        var config = FirehouseConfig.Notifications()
        var path: String { directory.appendingPathComponent("firehouse.sqlite").path }

        init(clock: ManualClock) {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("firehouse-outbox-\(UUID().uuidString)")
            self.clock = clock
            config.targets = [
                .init(name: "chat", kind: .slack, url: "https://hooks.example.com/chat"),
                .init(name: "hooks", kind: .webhook, url: "https://example.com/hook", events: [.opened, .escalated], secret: "s3cret"),
            ]
            config.maxAttempts = 3
            config.initialBackoff = .seconds(10)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// A fresh store and worker on the same file: what a restart gives.
        func start(_ http: any OutboundHTTP, metrics: FirehouseMetrics = FirehouseMetrics(),
                   slackApp: OutboxWorker.SlackApp? = nil) throws -> (IncidentService, OutboxWorker) {
            let store = IncidentService.over(try SQLiteIncidentStore(options: .init(path: path)), clock: clock, routes: config.routes)
            let worker = OutboxWorker(config: config, repository: store, http: http,
                                      links: ExternalURL("https://firehouse.example.com"), clock: clock,
                                      metrics: metrics, logger: Logger(label: "test"), slackApp: slackApp)
            return (store, worker)
        }
    }

    func notification(resolved: Bool = false) throws -> AlertmanagerNotification {
        let name = resolved ? "01-single-critical--resolved" : "01-single-critical--firing"
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
        return try AlertmanagerNotification.decode(json: Array(Data(contentsOf: url)))
    }

    @Test func bodiesAreShapedPerTargetAndSigned() async throws {
        let rig = Rig(clock: ManualClock(t0))
        let http = FakeHTTP()
        let (store, worker) = try rig.start(http)
        _ = try await store.ingest(try notification())
        #expect(try await worker.deliverDue() == 2)
        let sent = http.requests
        let chat = try #require(sent.first { $0.url.hasSuffix("/chat") })
        let text = try #require(try jsonObject(chat.body)["text"] as? String)
        #expect(text.hasPrefix(":rotating_light: *INC-1 opened* [SEV1, triggered]"))
        #expect(text.hasSuffix("https://firehouse.example.com/ui/incidents/1"), "people get the web page")
        let hook = try #require(sent.first { $0.url.hasSuffix("/hook") })
        let body = try jsonObject(hook.body)
        #expect(body["event"] as? String == "opened")
        #expect((body["incident"] as? [String: Any])?["ref"] as? String == "INC-1")
        #expect((body["entry"] as? [String: Any])?["kind"] as? String == "incident_opened")
        // Tools keep the API link; people get the page beside it.
        #expect(body["links"] as? [String: String] == ["incident": "https://firehouse.example.com/api/v1/incidents/1",
                                                         "incident_page": "https://firehouse.example.com/ui/incidents/1"])
        #expect(hook.headers["Idempotency-Key"] == "firehouse-delivery-\(body["delivery_id"] as? Int ?? -1)")
        let mac = HMAC<SHA256>.authenticationCode(for: hook.body, using: SymmetricKey(data: Array("s3cret".utf8)))
        #expect(hook.headers["X-Firehouse-Signature"] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        // Delivered: nothing is sent again.
        #expect(try await worker.deliverDue() == 0)
        #expect(http.requests.count == 2)
    }

    @Test func anOutageIsRiddenOutWithBackoffAndARestartLosesNothing() async throws {
        let clock = ManualClock(t0)
        let rig = Rig(clock: clock)
        rig.config.targets.removeLast()
        rig.config.maxAttempts = 5
        let http = FakeHTTP { _ in throw FakeHTTP.Unreachable() }
        do {
            let (store, worker) = try rig.start(http)
            _ = try await store.ingest(try notification())
            _ = try await store.perform(.move(.acknowledge, summary: nil), on: 1, actor: alice)
            #expect(try await worker.deliverDue() == 1)  // opened: refused
            #expect(try await worker.deliverDue() == 0)  // waits 10 s; "acknowledged" queues behind it
            clock.advance(.seconds(10))
            http.answer { _ in OutboundResponse(status: 503, headers: ["retry-after": "60"]) }
            #expect(try await worker.deliverDue() == 1)
            clock.advance(.seconds(20))
            #expect(try await worker.deliverDue() == 0)  // Retry-After: 60 beats the 20 s backoff
        }
        // Restart with the receiver back: both events go out, in order, once.
        clock.advance(.seconds(40))
        http.answer { _ in OutboundResponse(status: 200, body: Array("ok".utf8)) }
        let (store, worker) = try rig.start(http)
        #expect(try await worker.deliverDue() == 1)
        #expect(try await worker.deliverDue() == 1)
        #expect(try await worker.deliverDue() == 0)
        let texts = try http.requests.suffix(2).map { try jsonObject($0.body)["text"] as? String ?? "" }
        #expect(texts[0].contains("INC-1 opened") && texts[1].contains("INC-1 acknowledged* by alice"))
        #expect(try await store.outboxDepth() == [])
        let (_, again) = try rig.start(http)
        #expect(try await again.deliverDue() == 0)
        #expect(http.requests.count == 4)
    }

    @Test func afterTheLastRetryTheFailureIsOnTheTimelineAndCounted() async throws {
        let clock = ManualClock(t0)
        let rig = Rig(clock: clock)
        rig.config.targets.removeLast()
        let metrics = FirehouseMetrics()
        let http = FakeHTTP { _ in OutboundResponse(status: 500, body: Array("internal".utf8)) }
        let (store, worker) = try rig.start(http, metrics: metrics)
        _ = try await store.ingest(try notification())
        for _ in 0..<3 {
            #expect(try await worker.deliverDue() == 1)
            clock.advance(.minutes(10))
        }
        #expect(try await worker.deliverDue() == 0)
        let timeline = try #require(try await store.timeline(incidentID: 1))
        #expect(timeline.last?.kind == "notification_failed")
        #expect(timeline.last?.text == "notification opened to chat failed: HTTP 500: internal (after 3 attempts)")
        try await worker.updateDepthGauges()
        let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains(#"firehouse_outbox_deliveries_total{target="chat",result="retry"} 2"#))
        #expect(exposition.contains(#"firehouse_outbox_deliveries_total{target="chat",result="failed"} 1"#))
        #expect(exposition.contains(#"firehouse_outbox_failed{target="chat"} 1"#))
        #expect(exposition.contains(#"firehouse_outbox_pending{target="chat"} 0"#))
    }

    @Test func deliveryRecordsArePrunedAfterTheRetentionFailuresKept() async throws {
        let clock = ManualClock(t0)
        let rig = Rig(clock: clock)
        rig.config.retention = .seconds(86_400)
        let http = FakeHTTP { request in OutboundResponse(status: request.url.hasSuffix("/chat") ? 200 : 404) }
        let (store, worker) = try rig.start(http)
        _ = try await store.ingest(try notification())
        #expect(try await worker.deliverDue() == 2)  // chat delivered, hooks failed
        clock.advance(.seconds(86_399))
        #expect(try await worker.prune() == 0)
        clock.advance(.seconds(2))
        #expect(try await worker.prune() == 1)
        #expect(try await store.outboxDepth() == [OutboxDepth(target: "hooks", pending: 0, failed: 1)])
        rig.config.retention = .seconds(0)  // keep forever
        // The restarted process writes (its outbox watermark covers only its own commits).
        let (restarted, keeper) = try rig.start(http)
        _ = try await restarted.ingest(try notification(resolved: true))
        #expect(try await keeper.deliverDue() == 1)
        clock.advance(.seconds(10 * 86_400))
        #expect(try await keeper.prune() == 0)
    }

    @Test func aRejectionFailsAtOnceAndARemovedTargetIsGivenUp() async throws {
        let clock = ManualClock(t0)
        let rig = Rig(clock: clock)
        let http = FakeHTTP { request in
            OutboundResponse(status: request.url.hasSuffix("/chat") ? 404 : 200, body: Array("no_team".utf8))
        }
        let (store, worker) = try rig.start(http)
        _ = try await store.ingest(try notification())
        #expect(try await worker.deliverDue() == 2)
        #expect(try await store.outboxDepth() == [OutboxDepth(target: "chat", pending: 0, failed: 1)])
        // The escalation target disappears from the config while one of its deliveries waits.
        _ = try await store.escalate(EscalationPolicy(after: .seconds(0), minSeverity: .sev4))
        rig.config.targets.removeLast()
        let (_, restarted) = try rig.start(http)
        #expect(try await restarted.deliverDue() == 2)
        let timeline = try #require(try await store.timeline(incidentID: 1))
        #expect(timeline.contains { $0.text == "notification escalated to hooks failed: target hooks is no longer configured" })
    }
}
