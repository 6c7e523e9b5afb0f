import FirehouseCore
@testable import FirehouseService
@testable import FirehouseServer
import FirehouseStore
import Foundation
import Synchronization
import Testing

/// One slow or hanging receiver holds up only its own queue; every attempt is bounded in time; a
/// success is recorded whatever happens to the other targets.
struct OutboxIsolationTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!

    /// Answers `chat` at once (and says so on `sent`), and makes `hooks` wait until released,
    /// ignoring cancellation: the worst a transport can do.
    final class HangingHTTP: OutboundHTTP, Sendable {
        let sent: AsyncStream<String>
        private let sink: AsyncStream<String>.Continuation
        private let release = DispatchSemaphore(value: 0)

        init() { (sent, sink) = AsyncStream.makeStream() }

        func send(_ request: OutboundRequest, timeout: Duration) async throws -> OutboundResponse {
            if request.url.hasSuffix("/hook") {
                await withCheckedContinuation { done in DispatchQueue.global().async { self.release.wait(); done.resume() } }
                return OutboundResponse(status: 200)
            }
            sink.yield(request.url)
            return OutboundResponse(status: 200)
        }

        func releaseAll() { for _ in 0..<16 { release.signal() } }
    }

    func notification(_ name: String) throws -> AlertmanagerNotification {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "json"))
        return try AlertmanagerNotification.decode(json: Array(Data(contentsOf: url)))
    }

    @Test func anAttemptIsBoundedAndASuccessIsRecordedBesideAFailure() async throws {
        let rig = OutboxWorkerTests.Rig(clock: ManualClock(t0))
        rig.config.timeout = TimeSpan(nanoseconds: 50_000_000)
        let http = HangingHTTP()
        defer { http.releaseAll() }
        let metrics = FirehouseMetrics()
        let (store, worker) = try rig.start(http, metrics: metrics)
        _ = try await store.ingest(try notification("01-single-critical--firing"))
        #expect(try await worker.deliverDue() == 2)  // returns although hooks never answered
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"firehouse_outbox_deliveries_total{target="chat",result="delivered"} 1"#))
        #expect(text.contains(#"firehouse_outbox_deliveries_total{target="hooks",result="retry"} 1"#))
        #expect(try await store.outboxDepth().first { $0.target == "hooks" }?.pending == 1)
        #expect(try await store.dueDeliveries().isEmpty)  // chat done; hooks waits for its backoff
    }

    @Test func aHangingTargetDoesNotHoldUpTheOthers() async throws {
        let rig = OutboxWorkerTests.Rig(clock: ManualClock(t0))
        rig.config.timeout = .seconds(3600)
        let http = HangingHTTP()
        defer { http.releaseAll() }
        let (store, worker) = try rig.start(http)
        _ = try await store.ingest(try notification("01-single-critical--firing"))
        _ = try await store.ingest(try notification("01-single-critical--resolved"))
        let running = Task { try await worker.run() }
        // chat gets both of its messages, in order, while hooks' first attempt still hangs.
        var chat = 0
        for await url in http.sent where url.hasSuffix("/chat") {
            chat += 1
            if chat == 2 { break }
        }
        #expect(chat == 2)
        running.cancel()
        try await running.value  // a cancelled lane does not wait for its hanging attempt
        // Both chat results were recorded, even the one whose lane was cancelled right after it.
        #expect(try await store.dueDeliveries(target: "chat").isEmpty)
        #expect(try await store.outboxDepth().first { $0.target == "chat" } == nil)
        // The hanging attempt was cut off by the shutdown: nothing recorded, no attempt spent,
        // due again at once after the restart.
        #expect(try await store.dueDeliveries(target: "hooks").map(\.attempts) == [0])
    }
}
