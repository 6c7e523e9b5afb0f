import FirehouseCore
@testable import FirehouseStore
import GRDB
import Testing

struct OutboxStoreTests {
    let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
    let alice = Actor(id: "T1:U1", name: "alice")
    let routes = NotificationRoutes([
        .init(name: "chat", events: Set(OutboundEvent.allCases)),
        .init(name: "pager", events: [.escalated]),
    ])

    func outboxRows(_ db: TempDatabase) throws -> [Row] {
        try DatabaseQueue(path: db.path).read { try Row.fetchAll($0, sql: "SELECT target, event, state, attempts FROM outbox ORDER BY id") }
    }

    @Test func eventsAreQueuedInTheTransactionThatWritesThem() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        let store = try db.open(clock: clock, routes: routes)
        _ = try await store.ingest(fixture("01-single-critical--firing"))
        _ = try await store.perform(.move(.acknowledge, summary: nil), on: 1, actor: alice)
        _ = try await store.perform(.note("looking"), on: 1, actor: alice)
        clock.advance(.minutes(1))
        _ = try await store.ingest(fixture("01-single-critical--resolved"))
        let rows = try outboxRows(db)
        #expect(rows.map { "\($0[0] as String):\($0[1] as String)" } == ["chat:opened", "chat:acknowledged", "chat:resolved"])
        #expect(rows.allSatisfy { $0[2] == "pending" })
        // Without routes nothing is queued.
        let plain = try TempDatabase()
        _ = try await plain.open(clock: clock).ingest(fixture("01-single-critical--firing"))
        #expect(try outboxRows(plain).isEmpty)
    }

    @Test func eachTargetDeliversInOrderAndWaitsOutItsBackoff() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        let store = try db.open(clock: clock, routes: routes)
        _ = try await store.ingest(fixture("01-single-critical--firing"))
        _ = try await store.perform(.move(.acknowledge, summary: nil), on: 1, actor: alice)
        var due = try await store.dueDeliveries()
        #expect(due.map(\.event) == [.opened])  // the head of "chat" only: order is kept
        #expect(due[0].incident.head.id == 1 && due[0].entry.kind == "incident_opened")
        try await store.finishDelivery(due[0].id, .retry(at: t0 + .seconds(30), reason: "HTTP 503"))
        #expect(try await store.dueDeliveries().isEmpty)  // the head waits; nothing overtakes it
        clock.advance(.seconds(30))
        due = try await store.dueDeliveries()
        #expect(due.map(\.event) == [.opened] && due[0].attempts == 1)
        try await store.finishDelivery(due[0].id, .delivered)
        // A late second report for a finished row changes nothing.
        try await store.finishDelivery(due[0].id, .failed(reason: "late"))
        due = try await store.dueDeliveries()
        #expect(due.map(\.event) == [.acknowledged])
        #expect(try await store.outboxDepth() == [OutboxDepth(target: "chat", pending: 1, failed: 0)])
    }

    @Test func aFinalFailureGoesOnTheTimelineWithoutQueueingAnything() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0), routes: routes)
        _ = try await store.ingest(fixture("01-single-critical--firing"))
        let due = try #require(try await store.dueDeliveries().first)
        let entry = try await store.finishDelivery(due.id, .failed(reason: "HTTP 404: no_team"))
        #expect(entry?.event.kind == .notificationFailed)
        let timeline = try #require(try await store.timeline(incidentID: 1))
        #expect(timeline.last?.text == "notification opened to chat failed: HTTP 404: no_team")
        #expect(try await store.outboxDepth() == [OutboxDepth(target: "chat", pending: 0, failed: 1)])
        #expect(try await store.dueDeliveries().isEmpty)
    }

    @Test func aRowFromANewerVersionDoesNotBlockItsTarget() async throws {
        let db = try TempDatabase()
        let store = try db.open(clock: ManualClock(t0), routes: routes)
        _ = try await store.ingest(fixture("01-single-critical--firing"))
        try await DatabaseQueue(path: db.path).write { db in
            try db.execute(sql: "UPDATE outbox SET event = 'paged_by_future_version'")
        }
        _ = try await store.perform(.move(.acknowledge, summary: nil), on: 1, actor: alice)
        #expect(try await store.dueDeliveries().isEmpty)  // the unknown head is given up...
        #expect(try await store.dueDeliveries().map(\.event) == [.acknowledged])  // ...and the queue moves on
        #expect(try await store.outboxDepth() == [OutboxDepth(target: "chat", pending: 1, failed: 1)])
    }

    @Test func escalationIsRecordedOnceAndQueuedForThePager() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        let store = try db.open(clock: clock, routes: routes)
        _ = try await store.ingest(fixture("01-single-critical--firing"))  // critical: SEV1
        let policy = EscalationPolicy(after: .minutes(5), minSeverity: .sev1)
        #expect(try await store.escalate(policy).isEmpty)
        clock.advance(.minutes(5))
        let escalated = try await store.escalate(policy)
        #expect(escalated.map(\.head.id) == [1])
        #expect(try await store.escalate(policy).isEmpty)  // once
        let rows = try outboxRows(db)
        #expect(rows.map { "\($0[0] as String):\($0[1] as String)" } == ["chat:opened", "chat:escalated", "pager:escalated"])
        // Acknowledged incidents never escalate.
        _ = try await store.ingest(fixture("02-alert-storm--firing-5-alerts"))
        _ = try await store.perform(.move(.acknowledge, summary: nil), on: 2, actor: alice)
        clock.advance(.hours(1))
        #expect(try await store.escalate(EscalationPolicy(after: .minutes(5), minSeverity: .sev4)).isEmpty)
    }

    @Test func silencesAreRecordedListedAndExpired() async throws {
        let db = try TempDatabase()
        let clock = ManualClock(t0)
        let store = try db.open(clock: clock, routes: routes)
        _ = try await store.ingest(fixture("01-single-critical--firing"))
        let request = SilenceRequest(matchers: ["alertname": "KafkaBrokerDown"], startsAt: t0, endsAt: t0 + .hours(2),
                                     createdBy: "alice", comment: "INC-1: fixing")
        let entry = try #require(try await store.recordSilence("abc-123", request: request, incidentID: 1, actor: alice))
        #expect(entry.event.kind == .silenced && entry.stored.data["silenceID"] == "abc-123")
        #expect(try await store.recordSilence("x", request: request, incidentID: 99, actor: alice) == nil)
        #expect(try await store.activeSilences(incidentID: 1)?.map(\.silenceID) == ["abc-123"])
        #expect(try await store.activeSilences(incidentID: 99) == nil)
        clock.advance(.minutes(10))
        let expired = try await store.expireSilences(["abc-123"], incidentID: 1, actor: alice)
        #expect(expired.event.kind == .unsilenced)
        #expect(try await store.activeSilences(incidentID: 1) == [])
        // A silence past its end is not active either.
        _ = try await store.recordSilence("def", request: request, incidentID: 1, actor: alice)
        clock.advance(.hours(3))
        #expect(try await store.activeSilences(incidentID: 1) == [])
        #expect(try outboxRows(db).map { $0[1] as String }.suffix(3) == ["silenced", "unsilenced", "silenced"])
    }
}
