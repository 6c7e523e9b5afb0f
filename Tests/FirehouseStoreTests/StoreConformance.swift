import FirehouseCore
import FirehousePostgres
@testable import FirehouseService
@testable import FirehouseStore
import Foundation
import GRDB
import Testing

/// A storage backend under test: opens a fresh, empty, migrated store.
struct StoreBackend: Sendable, CustomStringConvertible {
    var description: String
    var open: @Sendable () async throws -> OpenedStore

    /// A store and what removes it afterwards.
    final class OpenedStore: @unchecked Sendable {
        let store: any IncidentStore
        private let keep: Any
        init(_ store: any IncidentStore, keeping keep: Any) {
            self.store = store
            self.keep = keep
        }
    }

    static let sqlite = StoreBackend(description: "sqlite") {
        let db = try TempDatabase()
        return OpenedStore(try SQLiteIncidentStore(options: .init(path: db.path)), keeping: db)
    }

    /// A fresh database on the test cluster, when `FIREHOUSE_TEST_POSTGRES_URL` names one.
    static let postgres = StoreBackend(description: "postgres") {
        let store = try await PostgresTestDatabase.store()
        return OpenedStore(store, keeping: store)
    }

    /// Every backend the suite runs against: SQLite always, PostgreSQL where a cluster is given
    /// (`scripts/test` starts one; CI sets FIREHOUSE_REQUIRE_POSTGRES=1 so it cannot be skipped).
    static let all: [StoreBackend] = {
        let environment = ProcessInfo.processInfo.environment
        if PostgresTestDatabase.adminURL != nil { return [.sqlite, .postgres] }
        precondition(environment["FIREHOUSE_REQUIRE_POSTGRES"] != "1", "FIREHOUSE_REQUIRE_POSTGRES=1 but FIREHOUSE_TEST_POSTGRES_URL is not set")
        return [.sqlite]
    }()
}

/// Every storage primitive and invariant, run against each backend: a second backend is done when
/// this suite passes against it unchanged (`swift test --filter StoreConformance`).
@Suite struct StoreConformance {
    static let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
    let t0 = Self.t0
    static let alice = Actor(id: "U1", name: "alice")

    static func head(key: String = "k", status: IncidentStatus = .triggered, severity: Severity = .sev2) -> IncidentHead {
        IncidentHead(id: 0, correlationKey: key, receiver: "team", title: "Broker down", labels: ["service": "kafka"],
                     severity: severity, milestones: .init(status: status), openedAt: t0)
    }

    static func alert(_ fingerprint: String, startsAt: Timestamp = t0, status: AlertStatus = .firing) -> NewAlert {
        var alert = try! fixture("01-single-critical--firing").alerts[0]
        alert.fingerprint = fingerprint
        alert.startsAt = startsAt
        alert.status = status
        return NewAlert(alert: alert, receiver: "team", endsAt: nil)
    }

    static func stored(_ alert: NewAlert) -> PreparedNotification.EncodedAlert { .init(alert.alert) }

    /// A new incident with one alert ("abc") in `store`; inserting that alert again hits the
    /// one-episode backstop.
    static func incidentWithOneAlert(_ store: any IncidentStore) async throws -> (id: Int64, alert: NewAlert) {
        let alert = Self.alert("abc")
        let id = try await store.write { tx in
            let id = try tx.insertIncident(Self.head(), at: Self.t0)
            try tx.insertAlert(alert, stored: Self.stored(alert), incidentID: id, at: Self.t0)
            return id
        }
        return (id, alert)
    }

    static func entry(_ event: TimelineEvent, at: Timestamp = t0, text: String = "x") -> TimelineDraft {
        TimelineDraft(at: at, actor: "alice", actorID: "U1", text: text, event: event)
    }

    /// Three alerts ("b" resolved, ended at t0 + 5m) and four notes a second apart: what the batch
    /// writes are checked with.
    static func batch() -> (alerts: [NewAlert], entries: [TimelineDraft]) {
        var ended = alert("b", status: .resolved)
        ended.endsAt = t0 + .minutes(5)
        return ([alert("a"), ended, alert("c")], (0..<4).map { entry(.note, at: t0 + .seconds(Int64($0)), text: "note \($0)") })
    }

    static func service(_ store: any IncidentStore, clock: any WallClock = ManualClock(t0),
                        routes: NotificationRoutes = NotificationRoutes()) -> IncidentService {
        IncidentService(store: store, correlator: Correlator(config: .init()), clock: clock, routes: routes)
    }

    // MARK: - Schema

    @Test(arguments: StoreBackend.all) func aFreshStoreIsMigratedAndEmpty(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        try await store.checkReady()
        let page = try await store.read { try $0.page(IncidentQuery()) }
        #expect(page == IncidentPage(incidents: [], next: nil))
        #expect(try await store.read { try $0.head(id: 1) } == nil)
        #expect(try await store.read { try $0.outboxDepth() } == [])
        #expect(await store.durableOutboxID() >= 0)
    }

    /// A database left by any earlier release migrates on open, and what it held reads back typed.
    @Test(arguments: Migrations.migrator.migrations.dropLast()) func migratesFromEarlierSchemas(_ last: String) async throws {
        let db = try TempDatabase()
        let queue = try DatabaseQueue(path: db.path)
        try Migrations.migrator.migrate(queue, upTo: last)
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO incidents (correlation_key, receiver, title, labels, severity, status, opened_at, updated_at)
                VALUES ('k', 'team', 'Broker down', '{"service":"kafka"}', 1, 'triggered', 1, 1);
                INSERT INTO alerts (incident_id, receiver, fingerprint, starts_at, status, labels, annotations, generator_url,
                    first_seen_at, last_seen_at) VALUES (1, 'team', 'abc', 1, 'firing', '{}', '{}', '', 1, 1);
                INSERT INTO timeline (incident_id, at, kind, actor, text, data) VALUES
                    (1, 1, 'incident_opened', 'alertmanager', 'incident opened: Broker down',
                     '{"groupKey":"g","receiver":"team","severity":"SEV1"}'),
                    (1, 2, 'status_changed', 'alice', 'status triggered → acknowledged',
                     '{"actorID":"U1","from":"triggered","to":"acknowledged"}');
                """)
        }
        try queue.close()
        let store = try SQLiteIncidentStore(options: .init(path: db.path))
        try await store.checkReady()
        let timeline = try await store.read { try $0.timeline(incidentID: 1) }
        #expect(timeline.map(\.event) == [
            .incidentOpened(severity: .sev1, source: .alerts(receiver: "team", groupKey: "g")),
            .statusChanged(from: .triggered, to: .acknowledged, summary: nil),
        ])
        #expect(timeline[1].actorID == "U1")
        #expect(try await store.read { try $0.detail(id: 1) }?.alerts.map(\.fingerprint) == ["abc"])
    }

    // MARK: - Incidents

    @Test(arguments: StoreBackend.all) func incidentsInsertUpdateAndReadBack(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let id = try await store.write { try $0.insertIncident(Self.head(), at: Self.t0) }
        #expect(id == 1)
        var head = try #require(try await store.read { try $0.head(id: id) })
        #expect(head == { var h = Self.head(); h.id = 1; return h }())
        head.milestones = .init(status: .acknowledged, acknowledgedAt: t0 + .seconds(5))
        head.title = "Broker really down"
        head.severity = .sev1
        head.severityPinned = true
        head.reopenCount = 2
        head.truncatedAlerts = 3
        let changed = head
        try await store.write { try $0.updateIncident(changed, at: Self.t0 + .seconds(5)) }
        #expect(try await store.read { try $0.head(id: id) } == changed)
        #expect(try await store.read { try $0.activeIncident(correlationKey: "k") } == id)
        #expect(try await store.read { try $0.latestIncident(correlationKey: "k") }?.status == .acknowledged)
        #expect(try await store.read { try $0.activeIncident(correlationKey: "other") } == nil)
        #expect(try await store.read { try $0.openIncidentCounts() } == [OpenIncidentCount(severity: .sev1, status: .acknowledged, count: 1)])
        #expect(try await store.read { try $0.incidentCountsByStatus() } == [.acknowledged: 1])
    }

    @Test(arguments: StoreBackend.all) func resolvedIncidentsAreLatestButNotActive(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let first = try await store.write { try $0.insertIncident(Self.head(status: .resolved), at: Self.t0) }
        #expect(try await store.read { try $0.activeIncident(correlationKey: "k") } == nil)
        #expect(try await store.read { try $0.latestIncident(correlationKey: "k") }?.id == first)
        let second = try await store.write { try $0.insertIncident(Self.head(), at: Self.t0) }
        #expect(try await store.read { try $0.activeIncident(correlationKey: "k") } == second)
        #expect(try await store.read { try $0.latestIncident(correlationKey: "k") }?.id == second)
    }

    @Test(arguments: StoreBackend.all) func pagesAreNewestFirstWithACursor(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        try await store.write { tx in
            for i in 0..<5 { _ = try tx.insertIncident(Self.head(key: "k\(i)", status: i == 2 ? .closed : .triggered), at: Self.t0) }
        }
        let first = try await store.read { try $0.page(IncidentQuery(status: .all, limit: 2)) }
        #expect(first.incidents.map(\.head.id) == [5, 4])
        let second = try await store.read { try $0.page(IncidentQuery(status: .all, limit: 2, before: first.next)) }
        #expect(second.incidents.map(\.head.id) == [3, 2])
        let open = try await store.read { try $0.page(IncidentQuery(status: .open, limit: 10)) }
        #expect(open.incidents.map(\.head.id) == [5, 4, 2, 1])
        #expect(open.next == nil)
    }

    // MARK: - Alerts

    @Test(arguments: StoreBackend.all) func alertEpisodesAreUniqueAndFoundByKey(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let (id, a) = try await Self.incidentWithOneAlert(store)
        // The same episode again fails, and takes the rest of its transaction with it.
        await #expect(throws: (any Error).self) {
            try await store.write { tx in
                _ = try tx.insertIncident(Self.head(key: "other"), at: Self.t0)
                try tx.insertAlert(a, stored: Self.stored(a), incidentID: id, at: Self.t0)
            }
        }
        #expect(try await store.read { try $0.activeIncident(correlationKey: "other") } == nil)
        let key = EpisodeKey(fingerprint: "abc", startsAt: t0)
        let later = EpisodeKey(fingerprint: "abc", startsAt: t0 + .seconds(1))
        let found = try await store.read { try $0.episodes(receiver: "team", keys: [key, later]) }
        #expect(found.keys.sorted { $0.startsAt < $1.startsAt } == [key])
        #expect(found[key]?.incidentID == id && found[key]?.status == .firing)
        #expect(try await store.read { try $0.episodes(receiver: "other", keys: [key]) }.isEmpty)
        #expect(try await store.read { try $0.firingAlertCount(incidentID: id) } == 1)

        let episode = try #require(found[key])
        try await store.write { tx in
            try tx.updateAlert(AlertUpdate(episodeID: episode.id, status: .resolved, endsAt: Self.t0 + .seconds(60),
                                           annotations: ["summary": "gone"], generatorURL: "http://prom"), at: Self.t0 + .seconds(60))
            try tx.touchAlerts([episode.id], at: Self.t0 + .seconds(90))
        }
        #expect(try await store.read { try $0.firingAlertCount(incidentID: id) } == 0)
        let record = try #require(try await store.read { try $0.detail(id: id) }?.alerts.first)
        #expect(record.status == .resolved && record.endsAt == t0 + .seconds(60) && record.annotations == ["summary": "gone"])
        #expect(record.lastSeenAt == t0 + .seconds(90) && record.firstSeenAt == t0)
    }

    /// The batched correlation reads say what the single reads say: episodes of this receiver
    /// only, each key's active incident and its newest one when resolved; snapshots with firing
    /// counts and runbooks, unknown ids left out, in a read and in a write (where heads are locked).
    @Test(arguments: StoreBackend.all) func correlationBatchesAgreeWithTheSingleReads(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let (active, resolved, reopened) = try await store.write { tx in
            let active = try tx.insertIncident(Self.head(key: "active"), at: Self.t0)
            let resolved = try tx.insertIncident(Self.head(key: "resolved", status: .resolved), at: Self.t0)
            _ = try tx.insertIncident(Self.head(key: "closed", status: .closed), at: Self.t0)
            _ = try tx.insertIncident(Self.head(key: "reopened", status: .resolved), at: Self.t0)
            let reopened = try tx.insertIncident(Self.head(key: "reopened"), at: Self.t0)
            try tx.insertAlerts([Self.alert("a"), Self.alert("b", status: .resolved)].map { ($0, Self.stored($0)) }, incidentID: active, at: Self.t0)
            var elsewhere = Self.alert("c")
            elsewhere.receiver = "other team"
            try tx.insertAlert(elsewhere, stored: Self.stored(elsewhere), incidentID: resolved, at: Self.t0)
            try tx.attachRunbook("rb-1", incidentID: active, at: Self.t0)
            try tx.attachRunbook("rb-2", incidentID: active, at: Self.t0 + .seconds(1))
            return (active, resolved, reopened)
        }
        let keys = ["a", "b", "c", "missing"].map { EpisodeKey(fingerprint: $0, startsAt: Self.t0) }
        let lookup = CorrelationLookup(receiver: "team", episodes: Set(keys), keys: ["active", "resolved", "closed", "reopened", "none"])
        let candidates = try await store.read { try $0.correlationCandidates(lookup) }
        #expect(candidates.activeByKey == ["active": active, "reopened": reopened])
        #expect(candidates.resolvedByKey == ["resolved": resolved])
        let single = try await store.read { try $0.episodes(receiver: "team", keys: Set(keys)) }
        #expect(candidates.episodes == single)
        #expect(Set(candidates.episodes.keys) == Set(keys.prefix(2)))
        #expect(candidates.episodes[keys[1]]?.status == .resolved && candidates.episodes[keys[0]]?.incidentID == active)
        #expect(try await store.read { try $0.correlationCandidates(CorrelationLookup(receiver: "team", episodes: [], keys: [])) }
                    == CorrelationCandidates())

        for writing in [false, true] {
            let ids = [active, resolved, 999]
            let body: @Sendable (any StoreReads) throws -> ([Int64: AttachedSnapshot], IncidentHead?, IncidentHead?) = { tx in
                (try tx.incidentSnapshots(ids: ids), try tx.head(id: active), try tx.head(id: resolved))
            }
            let (snapshots, activeHead, resolvedHead) = if writing {
                try await store.write { try body($0) }
            } else {
                try await store.read { try body($0) }
            }
            #expect(Set(snapshots.keys) == [active, resolved])
            #expect(snapshots[active] == AttachedSnapshot(snapshot: IncidentSnapshot(head: try #require(activeHead), firingAlerts: 1),
                                                          runbooks: ["rb-1", "rb-2"]))
            #expect(snapshots[resolved] == AttachedSnapshot(snapshot: IncidentSnapshot(head: try #require(resolvedHead), firingAlerts: 1),
                                                            runbooks: []))
            #expect(try await store.read { try $0.incidentSnapshots(ids: []) }.isEmpty)
        }
    }

    /// A write that fails fails its whole transaction with its own error, even when the script
    /// goes on to read and write after it (a backend may send writes without waiting for them).
    @Test(arguments: StoreBackend.all) func aFailedWriteFailsItsTransactionWhateverFollows(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let (id, a) = try await Self.incidentWithOneAlert(store)
        let followUps: [@Sendable (any StoreTransaction) throws -> Void] = [
            { tx in _ = try tx.head(id: id) },
            { tx in _ = try tx.appendTimeline(Self.entry(.note), incidentID: id) },
            { tx in try tx.attachRunbook("rb", incidentID: id, at: Self.t0) },
            { _ in },
        ]
        for followUp in followUps {
            await #expect(throws: (any Error).self) {
                try await store.write { tx in
                    try tx.updateIncident({ var h = Self.head(severity: .sev1); h.id = id; return h }(), at: Self.t0)
                    try tx.insertAlert(a, stored: Self.stored(a), incidentID: id, at: Self.t0)  // the same episode again
                    try followUp(tx)
                }
            }
        }
        let detail = try #require(try await store.read { try $0.detail(id: id) })
        #expect(detail.summary.head.severity == .sev2 && detail.timeline.isEmpty && detail.runbooks.isEmpty && detail.alerts.count == 1)
    }

    // MARK: - Timeline and outbox

    @Test(arguments: StoreBackend.all) func timelineEntriesReadBackTyped(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let events: [TimelineEvent] = [
            .incidentOpened(severity: .sev2, source: .declared),
            .roleAssigned(role: "commander", user: ChatUser(id: "U2", name: "bob"), previous: nil),
            .statusChanged(from: .triggered, to: .acknowledged, summary: "on it"),
        ]
        try await store.write { tx in
            let id = try tx.insertIncident(Self.head(), at: Self.t0)
            for (i, event) in events.enumerated() { _ = try tx.appendTimeline(Self.entry(event, at: Self.t0 + .seconds(Int64(i))), incidentID: id) }
        }
        let timeline = try await store.read { try $0.timeline(incidentID: 1) }
        #expect(timeline.map(\.event) == events)
        #expect(timeline.map(\.id) == [1, 2, 3])
        #expect(timeline.allSatisfy { $0.actorID == "U1" && $0.actor == "alice" })
        #expect(timeline[2].data == ["from": "triggered", "to": "acknowledged", "summary": "on it", "actorID": "U1"])
    }

    /// An outbox row is committed with its timeline entry or not at all.
    @Test(arguments: StoreBackend.all) func outboxRowsAreWrittenWithTheirEntry(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await store.write { tx in
                let id = try tx.insertIncident(Self.head(), at: Self.t0)
                let entry = try tx.appendTimeline(Self.entry(.incidentOpened(severity: .sev2, source: .declared)), incidentID: id)
                try tx.enqueueDelivery(incidentID: id, timelineID: entry, target: "chat", event: .opened, at: Self.t0)
                throw Abort()
            }
        }
        #expect(try await store.read { try $0.outboxDepth() } == [])
        #expect(try await store.read { try $0.head(id: 1) } == nil)

        let routes = NotificationRoutes([.init(name: "chat", events: Set(OutboundEvent.allCases)), .init(name: "pager", events: [.escalated])])
        let service = Self.service(store, routes: routes)
        let head = try await service.declare(title: "by hand", severity: .sev2, actor: Self.alice)
        #expect(try await store.read { try $0.outboxDepth() } == [OutboxDepth(target: "chat", pending: 1, failed: 0)])
        let through = await store.durableOutboxID()
        let heads = try await store.read { try $0.outboxHeads(target: nil, through: through) }
        #expect(heads.count == 1)
        let row = try #require(try await store.read { try $0.outboxRow(id: heads[0], dueBy: Self.t0) })
        #expect(row.target == "chat" && row.event == "opened" && row.attempts == 0 && row.incidentID == head.id)
        #expect(row.entry.event == .incidentOpened(severity: .sev2, source: .declared))
        // Not yet due, or past the durable watermark: not offered.
        #expect(try await store.read { try $0.outboxRow(id: heads[0], dueBy: Self.t0 - .seconds(1)) } == nil)
        #expect(try await store.read { try $0.outboxHeads(target: nil, through: heads[0] - 1) } == [])
        #expect(try await store.read { try $0.outboxHeads(target: "pager", through: .max) } == [])
    }

    @Test(arguments: StoreBackend.all) func deliveriesFinishOnceAndInOrderPerTarget(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        try await store.write { tx in
            let id = try tx.insertIncident(Self.head(), at: Self.t0)
            for i in 0..<3 {
                let entry = try tx.appendTimeline(Self.entry(.note), incidentID: id)
                try tx.enqueueDelivery(incidentID: id, timelineID: entry, target: i == 2 ? "hook" : "chat", event: .opened, at: Self.t0)
            }
        }
        #expect(try await store.read { try $0.outboxHeads(target: nil, through: .max) }.sorted() == [1, 3])
        let retried = try await store.write { try $0.finishDelivery(1, .retry(at: Self.t0 + .seconds(30), reason: "HTTP 503"), at: Self.t0) }
        #expect(retried == FinishedDelivery(incidentID: 1, target: "chat", event: "opened", attempts: 1))
        #expect(try await store.read { try $0.outboxRow(id: 1, dueBy: Self.t0) } == nil)  // backing off
        #expect(try await store.read { try $0.outboxRow(id: 1, dueBy: Self.t0 + .seconds(30)) }?.attempts == 1)
        #expect(try await store.write { try $0.finishDelivery(1, .delivered, at: Self.t0) }?.attempts == 2)
        // A late duplicate report changes nothing.
        #expect(try await store.write { try $0.finishDelivery(1, .failed(reason: "late"), at: Self.t0) } == nil)
        #expect(try await store.read { try $0.outboxHeads(target: "chat", through: .max) } == [2])
        #expect(try await store.write { try $0.finishDelivery(2, .failed(reason: "HTTP 404"), at: Self.t0) }?.attempts == 1)
        #expect(try await store.read { try $0.outboxDepth() } == [
            OutboxDepth(target: "chat", pending: 0, failed: 1), OutboxDepth(target: "hook", pending: 1, failed: 0),
        ])
        #expect(try await store.write { try $0.pruneDeliveries(finishedBefore: Self.t0 + .seconds(1)) } == 1)
        #expect(try await store.write { try $0.pruneDeliveries(finishedBefore: Self.t0 + .seconds(1)) } == 0)
    }

    @Test(arguments: StoreBackend.all) func openingsAreCountedByTimeAndListedPending(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        try await store.write { tx in
            let id = try tx.insertIncident(Self.head(), at: Self.t0)
            // Openings at t0, t0+10s, t0+20s on chat; one on hook; a non-opening on chat.
            for (i, (target, event)) in [("chat", OutboundEvent.opened), ("chat", .opened), ("hook", .opened), ("chat", .acknowledged),
                                          ("chat", .opened)].enumerated() {
                let entry = try tx.appendTimeline(Self.entry(.note), incidentID: id)
                try tx.enqueueDelivery(incidentID: id, timelineID: entry, target: target, event: event, at: Self.t0 + .seconds(Int64(i) * 5))
            }
        }
        #expect(try await store.read { try $0.openingCount(target: "chat", since: Self.t0) } == 3)
        #expect(try await store.read { try $0.openingCount(target: "chat", since: Self.t0 + .seconds(1)) } == 2)
        #expect(try await store.read { try $0.openingCount(target: "hook", since: Self.t0) } == 1)
        _ = try await store.write { try $0.finishDelivery(1, .delivered, at: Self.t0) }
        // Delivered rows still count; only pending ones are listed, oldest first, within `through` and `limit`.
        #expect(try await store.read { try $0.openingCount(target: "chat", since: Self.t0) } == 3)
        let pending = try await store.read { try $0.pendingOpenings(target: "chat", through: .max, limit: 10) }
        #expect(pending.map(\.id) == [2, 5] && pending.map(\.at) == [Self.t0 + .seconds(5), Self.t0 + .seconds(20)])
        #expect(try await store.read { try $0.pendingOpenings(target: "chat", through: 4, limit: 10) }.map(\.id) == [2])
        #expect(try await store.read { try $0.pendingOpenings(target: "chat", through: .max, limit: 1) }.map(\.id) == [2])
    }

    @Test(arguments: StoreBackend.all) func impactRecordsAndDrillsReadBack(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let early = Self.t0 - .minutes(5)
        let (open, drill, old) = try await store.write { tx in
            let open = try tx.insertIncident(Self.head(key: "a"), at: Self.t0)
            let a = Self.alert("a1", startsAt: early)
            let b = Self.alert("a2", startsAt: Self.t0)
            try tx.insertAlerts([(a, Self.stored(a)), (b, Self.stored(b))], incidentID: open, at: Self.t0)
            var drillHead = Self.head(key: "d")
            drillHead.drill = true
            let drill = try tx.insertIncident(drillHead, at: Self.t0)
            var oldHead = Self.head(key: "o", status: .resolved)
            oldHead.milestones.mitigatedAt = Self.t0 - .hours(3)
            oldHead.milestones.resolvedAt = Self.t0 - .hours(2)
            let old = try tx.insertIncident(oldHead, at: Self.t0)
            return (open, drill, old)
        }
        #expect(try await store.read { try $0.head(id: drill) }?.drill == true)
        #expect(try await store.read { try $0.head(id: open) }?.drill == false)
        #expect(try await store.read { try $0.page(IncidentQuery(status: .all)) }.incidents.map(\.head.drill) == [false, true, false])
        let records = try await store.read { try $0.impactRecords(endingAfter: Self.t0 - .hours(1)) }
        #expect(records.map(\.id) == [open, drill], "resolved before the cut: left out")
        #expect(records[0].firstAlertAt == early && records[0].openedAt == Self.t0 && records[0].mitigatedAt == nil && !records[0].drill)
        #expect(records[0].labelSets.first == ["service": "kafka"] && records[0].labelSets.count == 2, "the incident's and its alerts' distinct labels")
        #expect(records[1].drill && records[1].firstAlertAt == nil)
        let all = try await store.read { try $0.impactRecords(endingAfter: Self.t0 - .hours(5)) }
        #expect(all.map(\.id) == [open, drill, old] && all[2].resolvedAt == Self.t0 - .hours(2) && all[2].mitigatedAt == Self.t0 - .hours(3))
        let stats = try await store.read { try $0.statsRecords(StatsQuery(since: Self.t0 - .hours(1), until: Self.t0 + .hours(1))) }
        #expect(stats.map(\.drill) == [false, true, false])
    }

    @Test(arguments: StoreBackend.all) func heartbeatsOnlyMoveForward(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        #expect(try await store.read { try $0.heartbeat(name: "Watchdog") } == nil)
        try await store.write { try $0.recordHeartbeat(name: "Watchdog", at: Self.t0) }
        try await store.write { try $0.recordHeartbeat(name: "Watchdog", at: Self.t0 - .minutes(1)) }  // a late, older arrival
        #expect(try await store.read { try $0.heartbeat(name: "Watchdog") } == Self.t0)
        try await store.write { try $0.recordHeartbeat(name: "Watchdog", at: Self.t0 + .minutes(1)) }
        #expect(try await store.read { try $0.heartbeat(name: "Watchdog") } == Self.t0 + .minutes(1))
        #expect(try await store.read { try $0.heartbeat(name: "Other") } == nil)
    }

    @Test(arguments: StoreBackend.all) func chatThreadsAreRememberedPerIncidentAndTarget(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let (one, two) = try await store.write { tx in
            (try tx.insertIncident(Self.head(key: "a"), at: Self.t0), try tx.insertIncident(Self.head(key: "b"), at: Self.t0))
        }
        #expect(try await store.read { try $0.chatThread(incidentID: one, target: "app") } == nil)
        try await store.write { tx in
            try tx.saveChatThread(ChatThread(channel: "C1", ts: "1700000000.000100"), incidentID: one, target: "app", at: Self.t0)
            try tx.saveChatThread(ChatThread(channel: "C2", ts: "1700000000.000200"), incidentID: one, target: "other", at: Self.t0)
            try tx.saveChatThread(ChatThread(channel: "C1", ts: "1700000000.000300"), incidentID: two, target: "app", at: Self.t0)
        }
        #expect(try await store.read { try $0.chatThread(incidentID: one, target: "app") } == ChatThread(channel: "C1", ts: "1700000000.000100"))
        #expect(try await store.read { try $0.chatThread(incidentID: one, target: "other") }?.channel == "C2")
        // A message posted anew (the old one was deleted) replaces the record.
        try await store.write { try $0.saveChatThread(ChatThread(channel: "C9", ts: "2.0"), incidentID: one, target: "app", at: Self.t0) }
        #expect(try await store.read { try $0.chatThread(incidentID: one, target: "app") } == ChatThread(channel: "C9", ts: "2.0"))
        #expect(try await store.read { try $0.chatThread(incidentID: two, target: "app") }?.ts == "1700000000.000300")
    }

    // MARK: - Roles, runbooks, post-mortems, silences, escalation

    @Test(arguments: StoreBackend.all) func rolesRunbooksAndPostmortems(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let bob = ChatUser(id: "U2", name: "bob")
        try await store.write { tx in
            let id = try tx.insertIncident(Self.head(), at: Self.t0)
            try tx.startRole(.init(role: "commander", user: bob), incidentID: id, assignedBy: "alice", at: Self.t0)
            try tx.attachRunbook("kafka", incidentID: id, at: Self.t0)
            try tx.attachRunbook("broker", incidentID: id, at: Self.t0 + .seconds(1))
            try tx.attachRunbook("kafka", incidentID: id, at: Self.t0 + .seconds(2))  // once only
        }
        let roles = try await store.read { try $0.roles(incidentID: 1) }
        #expect(roles.map(\.user) == [bob] && roles[0].isCurrent && roles[0].assignedBy == "alice")
        // One current holder per role.
        await #expect(throws: (any Error).self) {
            try await store.write { try $0.startRole(.init(role: "commander", user: ChatUser(id: "U3", name: "carol")), incidentID: 1,
                                                      assignedBy: "alice", at: Self.t0) }
        }
        try await store.write { try $0.endRole(assignmentID: roles[0].id, at: Self.t0 + .seconds(9)) }
        #expect(try await store.read { try $0.roles(incidentID: 1) }.first?.to == t0 + .seconds(9))
        #expect(try await store.read { try $0.runbookIDs(incidentID: 1) } == ["kafka", "broker"])

        #expect(try await store.write { try $0.insertPostmortem(incidentID: 1, markdown: "# v1", at: Self.t0) } == 1)
        #expect(try await store.write { try $0.insertPostmortem(incidentID: 1, markdown: "# v2", at: Self.t0 + .seconds(1)) } == 2)
        #expect(try await store.read { try $0.postmortem(incidentID: 1, version: nil) }?.markdown == "# v2")
        #expect(try await store.read { try $0.postmortem(incidentID: 1, version: 1) }
            == StoredPostmortem(version: 1, generatedAt: t0, markdown: "# v1"))
        #expect(try await store.read { try $0.postmortem(incidentID: 1, version: 3) } == nil)
    }

    @Test(arguments: StoreBackend.all) func silencesEndOrExpire(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let request = SilenceRequest(matchers: ["alertname": "A"], startsAt: t0, endsAt: t0 + .hours(1), createdBy: "alice", comment: "c")
        try await store.write { tx in
            let id = try tx.insertIncident(Self.head(), at: Self.t0)
            try tx.insertSilence("s-1", request: request, incidentID: id, createdBy: "alice")
            try tx.insertSilence("s-2", request: request, incidentID: id, createdBy: "alice")
        }
        #expect(try await store.read { try $0.activeSilences(incidentID: 1, now: Self.t0) }.map(\.silenceID) == ["s-1", "s-2"])
        #expect(try await store.read { try $0.activeSilences(incidentID: 1, now: Self.t0 + .hours(1)) } == [])
        try await store.write { try $0.expireSilence("s-1", incidentID: 1, by: "bob", at: Self.t0) }
        let active = try await store.read { try $0.activeSilences(incidentID: 1, now: Self.t0) }
        #expect(active == [RecordedSilence(silenceID: "s-2", matchers: ["alertname": "A"], endsAt: t0 + .hours(1), createdBy: "alice")])
    }

    @Test(arguments: StoreBackend.all) func escalationCandidatesAndRecords(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        try await store.write { tx in
            _ = try tx.insertIncident(Self.head(key: "a", severity: .sev1), at: Self.t0)
            _ = try tx.insertIncident(Self.head(key: "b", severity: .sev3), at: Self.t0)  // not severe enough
            var acked = Self.head(key: "c", severity: .sev1)
            acked.milestones = .init(status: .acknowledged, acknowledgedAt: Self.t0)
            _ = try tx.insertIncident(acked, at: Self.t0)
            _ = try tx.insertIncident(Self.head(key: "d", status: .resolved, severity: .sev1), at: Self.t0)
        }
        let due = try await store.read { try $0.escalationCandidates(minSeverity: .sev2, openedBefore: Self.t0) }
        #expect(due == [EscalationCandidate(incidentID: 1, record: .init())])
        #expect(try await store.read { try $0.escalationCandidates(minSeverity: .sev2, openedBefore: Self.t0 - .seconds(1)) } == [])
        try await store.write { try $0.recordEscalation(incidentID: 1, at: Self.t0 + .minutes(15)) }
        #expect(try await store.read { try $0.escalationCandidates(minSeverity: .sev2, openedBefore: Self.t0) }
            == [EscalationCandidate(incidentID: 1, record: .init(count: 1, lastAt: t0 + .minutes(15)))])
    }

    // MARK: - Statistics, dead letters, replays

    @Test(arguments: StoreBackend.all) func statsRecordsCoverTheWindowAndService(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let a = Self.alert("abc")
        try await store.write { tx in
            let id = try tx.insertIncident(Self.head(), at: Self.t0)
            try tx.insertAlert(a, stored: Self.stored(a), incidentID: id, at: Self.t0)
            var late = Self.head(key: "late")
            late.openedAt = Self.t0 + .hours(2)
            late.labels = ["service": "web"]
            _ = try tx.insertIncident(late, at: Self.t0)
        }
        let all = try await store.read { try $0.statsRecords(StatsQuery(since: Self.t0, until: Self.t0 + .hours(3))) }
        #expect(all.map(\.id) == [1, 2])
        #expect(all[0].services.contains("kafka") && all[0].alertnames == [a.alert.labels["alertname"]!])
        let window = try await store.read { try $0.statsRecords(StatsQuery(since: Self.t0, until: Self.t0 + .hours(1))) }
        #expect(window.map(\.id) == [1])
        let web = try await store.read { try $0.statsRecords(StatsQuery(since: Self.t0, until: Self.t0 + .hours(3), service: "web")) }
        #expect(web.map(\.id) == [2])
    }

    @Test(arguments: StoreBackend.all) func deadLettersKeepOneRowPerBody(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let draft = DeadLetterDraft(digest: Array(repeating: 7, count: 32), receiver: "team", groupKey: "g", error: "e1", body: Array("{}".utf8))
        let first = try await store.write { try $0.keepDeadLetter(draft, at: Self.t0) }
        var again = draft
        again.error = "e2"
        let second = try await store.write { [again] in try $0.keepDeadLetter(again, at: Self.t0 + .seconds(5)) }
        #expect(first == second)
        let kept = try await store.read { try $0.deadLetters(limit: 10) }
        #expect(kept == [DeadLetter(id: first, receiver: "team", groupKey: "g", error: "e2", firstSeenAt: t0,
                                    lastSeenAt: t0 + .seconds(5), attempts: 2, body: "{}")])
    }

    @Test(arguments: StoreBackend.all) func signaturesAreSeenOnceUntilForgotten(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let mac: [UInt8] = [1, 2, 3]
        #expect(try await store.write { try $0.recordSignature(mac: mac, timestamp: 100, forgetBefore: 0) })
        #expect(try await store.write { try !$0.recordSignature(mac: mac, timestamp: 100, forgetBefore: 0) })
        #expect(try await store.write { try $0.recordSignature(mac: mac, timestamp: 500, forgetBefore: 400) })
    }

    /// The batch primitives write what the single ones would, in order.
    @Test(arguments: StoreBackend.all) func batchesWriteInOrder(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let (alerts, entries) = Self.batch()
        let ids = try await store.write { tx in
            let id = try tx.insertIncident(Self.head(), at: Self.t0)
            try tx.insertAlerts(alerts.map { ($0, Self.stored($0)) }, incidentID: id, at: Self.t0)
            let ids = try tx.appendTimeline(entries, incidentID: id)
            try tx.enqueueDeliveries(ids.map { QueuedDelivery(timelineID: $0, target: "chat", event: .opened, at: Self.t0) }, incidentID: id)
            return ids
        }
        #expect(ids.count == 4 && ids == ids.sorted())
        var detail = try #require(try await store.read { try $0.detail(id: 1) })
        #expect(detail.alerts.map(\.fingerprint) == ["a", "b", "c"])
        #expect(detail.alerts.map(\.endsAt) == [nil, Self.t0 + .minutes(5), nil])
        let episodes = try await store.read { try $0.episodes(receiver: "team", keys: Set(alerts.map { EpisodeKey(fingerprint: $0.alert.fingerprint, startsAt: Self.t0) })) }
        let later = Self.t0 + .minutes(9)
        let changes = ["a", "b"].map { fingerprint in
            AlertUpdate(episodeID: episodes[EpisodeKey(fingerprint: fingerprint, startsAt: Self.t0)]!.id, status: fingerprint == "a" ? .resolved : .firing,
                        endsAt: fingerprint == "a" ? later : nil, annotations: ["summary": "now \(fingerprint)"], generatorURL: "http://g/\(fingerprint)")
        }
        try await store.write { tx in try tx.updateAlerts(changes, at: later) }
        detail = try #require(try await store.read { try $0.detail(id: 1) })
        #expect(detail.alerts.map(\.status) == [.resolved, .firing, .firing])
        #expect(detail.alerts.map(\.endsAt) == [later, nil, nil])
        #expect(detail.alerts.map { $0.annotations["summary"] } == ["now a", "now b", Self.alert("c").alert.annotations["summary"]])
        #expect(detail.alerts.map(\.lastSeenAt) == [later, later, Self.t0])
        #expect(detail.timeline.map(\.id) == ids && detail.timeline.map(\.text) == entries.map(\.text))
        #expect(try await store.read { try $0.outboxDepth() } == [OutboxDepth(target: "chat", pending: 4, failed: 0)])
        let head = try await store.read { try $0.outboxHeads(target: "chat", through: .max) }
        #expect(try await store.read { try $0.outboxRow(id: head[0], dueBy: Self.t0) }?.entry.text == "note 0")
    }

    /// `openIncident` writes what the primitives would, in one call: ids in order, each delivery
    /// on its own entry, runbooks in order; an opening with nothing but its head works too.
    @Test(arguments: StoreBackend.all) func openingWritesTheIncidentWithAllItStartsWith(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let (alerts, entries) = Self.batch()
        let deliveries: [IncidentOpening.Delivery] = [
            .init(entry: 2, target: "pager", event: .opened), .init(entry: 0, target: "chat", event: .opened),
            .init(entry: 2, target: "chat", event: .opened), .init(entry: 3, target: "pager", event: .opened),
        ]
        let opened = try await store.write { tx in
            try tx.openIncident(IncidentOpening(head: Self.head(), alerts: alerts.map { ($0, Self.stored($0)) }, entries: entries,
                                                deliveries: deliveries, runbooks: ["r2", "r1"], at: Self.t0))
        }
        let detail = try #require(try await store.read { try $0.detail(id: opened.id) })
        #expect(detail.summary.head.correlationKey == "k" && detail.summary.head.title == "Broker down")
        #expect(detail.alerts.map(\.fingerprint) == ["a", "b", "c"])
        #expect(detail.alerts.map(\.endsAt) == [nil, Self.t0 + .minutes(5), nil])
        #expect(detail.alerts.map(\.firstSeenAt) == [Self.t0, Self.t0, Self.t0])
        #expect(opened.timelineIDs.count == 4 && opened.timelineIDs == opened.timelineIDs.sorted())
        #expect(detail.timeline.map(\.id) == opened.timelineIDs && detail.timeline.map(\.text) == entries.map(\.text))
        #expect(detail.runbooks == ["r2", "r1"])
        for (target, texts) in [("chat", ["note 0", "note 2"]), ("pager", ["note 2", "note 3"])] {
            let rows = try await store.read { try $0.pendingOpenings(target: target, through: .max, limit: 10) }
            var seen: [String] = []
            for row in rows {
                let outbox = try #require(try await store.read { try $0.outboxRow(id: row.id, dueBy: Self.t0 + .minutes(1)) })
                #expect(outbox.incidentID == opened.id && outbox.entry.id == opened.timelineIDs[Int(outbox.entry.text.dropFirst(5))!])
                seen.append(outbox.entry.text)
            }
            #expect(seen == texts, "\(target)")
        }

        let bare = try await store.write { tx in
            try tx.openIncident(IncidentOpening(head: Self.head(key: "other"), alerts: [], entries: [], deliveries: [], runbooks: [], at: Self.t0))
        }
        #expect(bare.timelineIDs.isEmpty && bare.id > opened.id)
        let bareDetail = try #require(try await store.read { try $0.detail(id: bare.id) })
        #expect(bareDetail.alerts.isEmpty && bareDetail.timeline.isEmpty && bareDetail.runbooks.isEmpty)
    }

    // MARK: - Use cases over the backend

    /// The same new notification delivered concurrently (an Alertmanager HA pair) gives one
    /// incident, one episode per alert and one `alert_fired` entry each: one open incident per key.
    @Test(arguments: StoreBackend.all) func concurrentDuplicatesOpenOneIncident(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let service = Self.service(store)
        let notification = try fixture("02-alert-storm--firing-5-alerts")
        try await withThrowingTaskGroup(of: [IngestResult].self) { group in
            for _ in 0..<8 { group.addTask { try await service.ingest(notification) } }
            for try await results in group { #expect(results.map(\.id) == [1]) }
        }
        let page = try await service.incidents(IncidentQuery(status: .all))
        #expect(page.incidents.count == 1)
        #expect(page.incidents[0].alertCount == 5)
        let fired = try #require(try await service.timeline(incidentID: 1)).filter { $0.event.kind == .alertFired }
        #expect(fired.count == 5)
    }

    /// Closing stores the draft and its entry in the action's transaction.
    @Test(arguments: StoreBackend.all) func closingStoresTheDraftWithTheAction(_ backend: StoreBackend) async throws {
        let store = try await backend.open().store
        let service = IncidentService(store: store, correlator: Correlator(config: .init()), clock: ManualClock(t0),
                                      drafter: { detail, _ in "# \(detail.summary.head.title)" })
        let head = try await service.declare(title: "by hand", severity: .sev2, actor: Self.alice)
        _ = try await service.perform(.move(.resolve, summary: nil), on: head.id, actor: Self.alice)
        guard case .changed(_, let entries) = try await service.perform(.move(.close, summary: nil), on: head.id, actor: Self.alice) else {
            Issue.record("not closed"); return
        }
        #expect(entries.map(\.event.kind) == [.statusChanged, .postmortemGenerated])
        #expect(try await service.postmortem(incidentID: head.id, version: nil)?.markdown == "# by hand")
    }
}
