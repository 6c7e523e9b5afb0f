import FirehouseCore
@testable import FirehouseService
@testable import FirehouseServer
import Foundation
import Logging
import Testing

/// A local fake of Slack's Web API: records `chat.postMessage` and `chat.update`, answers with a
/// `ts` per new message, and can be told to rate-limit (429 with `Retry-After`) or to refuse with
/// an error code. Any other URL (incoming webhooks, sinks) answers 200 and is recorded too.
final class FakeSlack: OutboundHTTP, @unchecked Sendable {
    static let api = "https://slack.test/api"

    struct Call {
        var method: String
        var body: [String: Any]
        var authorization: String?
    }

    private let lock = NSLock()
    private var _requests: [OutboundRequest] = []
    private var posted = 0
    private var apiCalls = 0
    /// Every n-th Web API call answers 429 (Retry-After 1); nil: never.
    var rateLimitEvery: Int?
    /// The next call of a method answers `{"ok": false, "error": code}`.
    private var refusals: [String: String] = [:]

    func refuseNext(_ method: String, with code: String) { lock.withLock { refusals[method] = code } }

    var requests: [OutboundRequest] { lock.withLock { _requests } }

    /// The Web API calls that were answered ok, in order.
    var calls: [Call] {
        requests.filter { $0.url.hasPrefix(Self.api) }.compactMap { request in
            guard let body = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return nil }
            return Call(method: String(request.url.dropFirst(Self.api.count + 1)), body: body, authorization: request.headers["Authorization"])
        }
    }

    /// Bodies posted to a URL that is not the Web API.
    func webhookBodies(_ url: String) -> [[String: Any]] {
        requests.filter { $0.url == url }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }
    }

    func send(_ request: OutboundRequest, timeout: Duration) async throws -> OutboundResponse {
        lock.withLock {
            guard request.url.hasPrefix(Self.api) else {
                _requests.append(request)
                return OutboundResponse(status: 200, body: Array("ok".utf8))
            }
            apiCalls += 1
            if let every = rateLimitEvery, apiCalls % every == 0 {
                return OutboundResponse(status: 429, headers: ["retry-after": "1"], body: Array(#"{"ok":false,"error":"ratelimited"}"#.utf8))
            }
            let method = String(request.url.dropFirst(Self.api.count + 1))
            if let code = refusals.removeValue(forKey: method) {
                return OutboundResponse(status: 200, body: Array(#"{"ok":false,"error":"\#(code)"}"#.utf8))
            }
            _requests.append(request)
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]) ?? [:]
            let channel = body["channel"] as? String ?? ""
            switch method {
            case "chat.postMessage":
                posted += 1
                return OutboundResponse(status: 200, body: Array(#"{"ok":true,"channel":"\#(channel)","ts":"1800000000.\#(String(format: "%06d", posted))"}"#.utf8))
            case "chat.update":
                return OutboundResponse(status: 200, body: Array(#"{"ok":true,"channel":"\#(channel)","ts":"\#(body["ts"] as? String ?? "")"}"#.utf8))
            default:
                return OutboundResponse(status: 200, body: Array(#"{"ok":false,"error":"unknown_method"}"#.utf8))
            }
        }
    }
}

/// Slack app mode through the outbox worker against the fake Web API, and the storm digest.
struct SlackAppTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
    let alice = Actor(id: "T1:U1", name: "alice")
    static let app = OutboxWorker.SlackApp(token: "xoxb-test", api: FakeSlack.api, lead: "commander", runbooks: RunbookShelf())

    func rig(_ clock: ManualClock) -> OutboxWorkerTests.Rig {
        let rig = OutboxWorkerTests.Rig(clock: clock)
        rig.config.targets = [
            .init(name: "app", kind: .slack, channel: "C0APP"),
            .init(name: "hooks", kind: .webhook, url: "https://example.com/hook"),
        ]
        rig.config.maxAttempts = 15
        return rig
    }

    func fixture(_ name: String) throws -> AlertmanagerNotification {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
        return try AlertmanagerNotification.decode(json: Array(Data(contentsOf: url)))
    }

    /// One group per alert name, services in turn.
    static func group(_ i: Int, at: Timestamp) -> AlertmanagerNotification {
        let labels: LabelSet = ["alertname": "Storm\(i)", "service": ["checkout", "payments", "search"][i % 3], "severity": "warning"]
        return AlertmanagerNotification(receiver: "team", status: .firing,
                                        alerts: [.init(status: .firing, labels: labels, startsAt: at)],
                                        groupLabels: ["alertname": "Storm\(i)", "service": labels["service"]!], commonLabels: labels,
                                        groupKey: "{}:{alertname=\"Storm\(i)\"}")
    }

    @Test func oneMessagePerIncidentUpdatedInPlaceWithEventsInItsThread() async throws {
        let clock = ManualClock(t0)
        let slack = FakeSlack()
        let (store, worker) = try rig(clock).start(slack, slackApp: Self.app)
        _ = try await store.ingest(try fixture("01-single-critical--firing"))
        #expect(try await worker.deliverDue() == 2)
        var calls = slack.calls
        #expect(calls.map(\.method) == ["chat.postMessage"], "a new incident: one message, its opening is the message itself")
        #expect(calls[0].authorization == "Bearer xoxb-test" && calls[0].body["channel"] as? String == "C0APP")
        #expect(calls[0].body["thread_ts"] == nil && (calls[0].body["blocks"] as? [Any])?.isEmpty == false)
        let thread = try #require(try await store.chatThread(incidentID: 1, target: "app"))
        #expect(thread == ChatThread(channel: "C0APP", ts: "1800000000.000001"))

        _ = try await store.perform(.move(.acknowledge, summary: nil), on: 1, actor: alice)
        _ = try await store.perform(.assign(role: "commander", user: ChatUser(id: "U1", name: "alice")), on: 1, actor: alice)
        while try await worker.deliverDue() > 0 {}
        calls = slack.calls
        #expect(calls.map(\.method) == ["chat.postMessage", "chat.update", "chat.postMessage", "chat.update", "chat.postMessage"])
        for update in calls where update.method == "chat.update" {
            #expect(update.body["ts"] as? String == thread.ts && update.body["channel"] as? String == "C0APP")
        }
        let replies = calls.dropFirst().filter { $0.method == "chat.postMessage" }
        #expect(replies.allSatisfy { $0.body["thread_ts"] as? String == thread.ts && $0.body["blocks"] == nil })
        #expect((replies.first?.body["text"] as? String)?.contains("*acknowledged* by alice") == true)
        // The last redraw shows the commander and no Acknowledge button any more.
        let last = try #require(calls.last { $0.method == "chat.update" })
        let text = String(decoding: try JSONSerialization.data(withJSONObject: last.body), as: UTF8.self)
        #expect(text.contains("*Commander*\\nalice") && !text.contains("firehouse_app_acknowledge") && text.contains("firehouse_app_resolve"))
    }

    @Test func aRateLimitedChannelWaitsWithoutHoldingUpOtherTargets() async throws {
        let clock = ManualClock(t0)
        let slack = FakeSlack()
        slack.rateLimitEvery = 1
        let (store, worker) = try rig(clock).start(slack, slackApp: Self.app)
        _ = try await store.ingest(try fixture("01-single-critical--firing"))
        #expect(try await worker.deliverDue() == 2)
        #expect(slack.webhookBodies("https://example.com/hook").count == 1, "the webhook target went ahead")
        #expect(slack.calls.isEmpty)
        let depth = try await store.outboxDepth()
        #expect(depth.first { $0.target == "app" }?.pending == 1 && depth.first { $0.target == "hooks" } == nil)
        slack.rateLimitEvery = nil
        #expect(try await worker.deliverDue() == 0, "backing off")
        clock.advance(.seconds(10))
        #expect(try await worker.deliverDue() == 1)
        #expect(slack.calls.map(\.method) == ["chat.postMessage"])
    }

    @Test func aDeletedMessageIsPostedAnewAndAMissingChannelFailsForGood() async throws {
        let clock = ManualClock(t0)
        let slack = FakeSlack()
        let (store, worker) = try rig(clock).start(slack, slackApp: Self.app)
        _ = try await store.ingest(try fixture("01-single-critical--firing"))
        while try await worker.deliverDue() > 0 {}
        slack.refuseNext("chat.update", with: "message_not_found")
        _ = try await store.perform(.move(.acknowledge, summary: nil), on: 1, actor: alice)
        while try await worker.deliverDue() > 0 {}
        #expect(slack.calls.map(\.method) == ["chat.postMessage", "chat.postMessage", "chat.postMessage"])
        let thread = try #require(try await store.chatThread(incidentID: 1, target: "app"))
        #expect(thread.ts == "1800000000.000002", "the new message is the one updated from now on")
        #expect(slack.calls[2].body["thread_ts"] as? String == thread.ts)

        slack.refuseNext("chat.update", with: "channel_not_found")
        _ = try await store.perform(.move(.mitigate, summary: nil), on: 1, actor: alice)
        while try await worker.deliverDue() > 0 {}
        let failure = try #require(try await store.timeline(incidentID: 1)?.last)
        #expect(failure.kind == "notification_failed" && failure.text.contains("channel_not_found"))
        #expect(try await store.outboxDepth().first { $0.target == "app" }?.failed == 1)
    }

    /// 200 groups at once: the webhook target gets every opening; chat targets get digests that
    /// list every incident exactly once; later events still reach each incident's own message.
    @Test(.timeLimit(.minutes(2))) func aStormOf200GroupsIsDigestedAndNothingIsLost() async throws {
        let clock = ManualClock(t0)
        let slack = FakeSlack()
        slack.rateLimitEvery = 4
        let rig = rig(clock)
        rig.config.targets.append(.init(name: "chat", kind: .slack, url: "https://hooks.example.com/chat"))
        let metrics = FirehouseMetrics()
        let (store, worker) = try rig.start(slack, metrics: metrics, slackApp: Self.app)
        for i in 0..<200 { _ = try await store.ingest(Self.group(i, at: t0)) }
        var rounds = 0
        while try await store.outboxDepth().contains(where: { $0.pending > 0 }), rounds < 500 {
            _ = try await worker.deliverDue()
            clock.advance(.seconds(1))
            rounds += 1
        }
        #expect(try await store.outboxDepth().allSatisfy { $0.pending == 0 && $0.failed == 0 })
        let everyRef = Set((1...200).map { "INC-\($0)" })
        #expect(slack.webhookBodies("https://example.com/hook").count == 200, "a program's webhook gets every opening")

        func refs(_ texts: [String]) -> [String] {
            texts.flatMap { text in
                text.split(separator: "\n").compactMap { line -> String? in
                    guard line.hasPrefix("• "), let range = line.range(of: #"INC-\d+"#, options: .regularExpression) else { return nil }
                    return String(line[range])
                }
            }
        }
        let chatTexts = slack.webhookBodies("https://hooks.example.com/chat").compactMap { $0["text"] as? String }
        #expect(chatTexts.allSatisfy { $0.contains("storm digest") }, "no opening went out on its own in the storm")
        let chatRefs = refs(chatTexts)
        #expect(chatRefs.count == 200 && Set(chatRefs) == everyRef, "every incident listed once")
        #expect(chatTexts.count == 5 && chatTexts[0].contains("200 incidents opened in the last 1m"))
        #expect(chatTexts[0].contains("Top services: checkout 14, payments 13, search 13"))
        let appPosts = slack.calls.filter { $0.method == "chat.postMessage" }
        #expect(appPosts.allSatisfy { $0.body["blocks"] == nil && $0.body["thread_ts"] == nil })
        #expect(Set(refs(appPosts.compactMap { $0.body["text"] as? String })) == everyRef)
        let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains(#"firehouse_outbox_digested_openings_total{target="chat"} 200"#))

        // Later events of a digested incident reach it on their own: a message of its own on the app.
        slack.rateLimitEvery = nil
        let before = slack.calls.count
        _ = try await store.perform(.move(.acknowledge, summary: nil), on: 7, actor: alice)
        while try await worker.deliverDue() > 0 {}
        #expect((slack.webhookBodies("https://hooks.example.com/chat").last?["text"] as? String)?.contains("INC-7 acknowledged") == true)
        let after = slack.calls.dropFirst(before)
        #expect(after.map(\.method) == ["chat.postMessage", "chat.postMessage"])
        #expect(after.first?.body["blocks"] != nil && after.last?.body["thread_ts"] != nil)
        #expect(try await store.chatThread(incidentID: 7, target: "app") != nil)
    }

    @Test func aQuietTargetGetsEveryOpeningOnItsOwn() async throws {
        let clock = ManualClock(t0)
        let slack = FakeSlack()
        let rig = rig(clock)
        rig.config.targets = [.init(name: "chat", kind: .slack, url: "https://hooks.example.com/chat")]
        let (store, worker) = try rig.start(slack)
        for i in 0..<10 { _ = try await store.ingest(Self.group(i, at: t0)) }
        while try await worker.deliverDue() > 0 {}
        let texts = slack.webhookBodies("https://hooks.example.com/chat").compactMap { $0["text"] as? String }
        #expect(texts.count == 10 && texts.allSatisfy { $0.contains(" opened*") && !$0.contains("digest") })
    }
}
