import FirehouseCore
@testable import FirehouseService
@testable import FirehouseServer
import FirehouseStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// SLO budgets, drills and the heartbeat through the routes and the service, with a manual clock.
struct ReliabilityRouteTests {
    static let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!

    static func drillAlert(status: String) -> [String: Any] {
        var alert = Storm.alert(0, status: status)
        var labels = alert["labels"] as! [String: String]
        labels["drill"] = "true"
        alert["labels"] = labels
        return alert
    }

    /// One real incident of checkout-api: first alert 14:58:30, mitigated 15:10:00 (11m30s of
    /// impact), resolved, closed. A drill alert of the same service is never charged.
    @Test func budgetsThroughTheAPIMetricsChatAndThePostmortem() async throws {
        let clock = ManualClock(Self.t0)
        try await withApp({ config in
            config.slo.services = [ServiceObjective(service: "checkout-api", objective: 99.9, window: .seconds(30 * 86_400)),
                                   ServiceObjective(service: "search", objective: 99.5, window: .seconds(7 * 86_400))]
        }, clock: clock) { client in
            _ = try await client.post("/api/v1/alertmanager", try Storm.body((0..<3).map { Storm.alert($0, status: "firing") }, status: "firing"))
            _ = try await client.post("/api/v1/alertmanager", try Storm.body([Self.drillAlert(status: "firing")], status: "firing"))
            let incidents = try json(try await client.get("/api/v1/incidents?status=all"))["incidents"] as? [[String: Any]] ?? []
            #expect(incidents.count == 2, "the drill alert opened an incident of its own")
            #expect(incidents.map { $0["drill"] as? Bool } == [true, false])
            clock.advance(seconds: 600)
            _ = try await ChatRouteTests.say(client, "mitigate 1", user: "bob")
            _ = try await ChatRouteTests.say(client, "mitigate 2", user: "bob")
            clock.advance(seconds: 300)
            _ = try await ChatRouteTests.say(client, "resolve 1 rolled back", user: "bob")

            let all = try json(try await client.get("/api/v1/slo"))
            let services = try #require(all["services"] as? [[String: Any]])
            #expect(services.map { $0["service"] as? String } == ["checkout-api", "search"])
            let checkout = services[0]
            #expect(checkout["objective"] as? Double == 99.9 && checkout["window"] as? String == "30d")
            #expect(checkout["allowedSeconds"] as? Double == 2_592 && checkout["consumedSeconds"] as? Double == 690)
            #expect(checkout["remainingSeconds"] as? Double == 1_902)
            #expect(checkout["remainingRatio"] as? Double == 0.733796)
            #expect(checkout["availability"] as? Double == 99.973380)
            // The last hour (14:15-15:15) holds all 11m30s: (690 / 3600) / 0.001.
            #expect(checkout["burnRate"] as? Double == 191.666667)
            let charged = try #require(checkout["incidents"] as? [[String: Any]])
            #expect(charged.count == 1 && charged[0]["ref"] as? String == "INC-1" && charged[0]["chargedSeconds"] as? Double == 690)
            #expect(checkout["match"] as? [String] == [#"service="checkout-api""#] && checkout["impactEnd"] as? String == "mitigated")
            #expect((services[1]["consumedSeconds"] as? Double) == 0 && (services[1]["remainingRatio"] as? Double) == 1)

            let one = try await client.get("/api/v1/slo/checkout-api")
            let oneBody = try json(one)
            #expect(one.status == .ok && oneBody["consumedSeconds"] as? Double == 690)
            let missing = try await client.get("/api/v1/slo/nope")
            let missingBody = try json(missing)
            #expect(missing.status == .notFound && (missingBody["error"] as? String)?.contains("nope") == true)

            let metrics = String(buffer: try await client.get("/metrics").body)
            #expect(metrics.contains(#"firehouse_slo_budget_remaining_ratio{service="checkout-api"} 0.7337"#))
            #expect(metrics.contains(#"firehouse_slo_budget_consumed_seconds{service="checkout-api"} 690"#))

            let (_, list) = try await ChatRouteTests.say(client, "slo")
            #expect(list.contains("*checkout-api* 99.9% over 30d: 11m30s of 43m12s used, 73.38% left"))
            let (_, detail) = try await ChatRouteTests.say(client, "slo checkout-api")
            #expect(detail.contains("• *INC-1*: 11m30s"))
            let (_, unknown) = try await ChatRouteTests.say(client, "slo nope")
            #expect(unknown.contains("No service objective named nope"))

            clock.advance(seconds: 600)
            _ = try await ChatRouteTests.say(client, "close 1", user: "bob")
            let draft = String(buffer: try await client.get("/api/v1/incidents/1/postmortem").body)
            let section = try #require(draft.components(separatedBy: "## SLO impact").last?.components(separatedBy: "## Key metrics").first)
            try ServerGolden.check("## SLO impact" + section, "postmortem-slo-section.md")
        }
    }

    @Test func drillsAreMarkedLeftOutOfStatsAndReportedAsGameDays() async throws {
        let clock = ManualClock(Self.t0)
        let dir = try TempRunbooks([
            "services/memory-leak.md": TempRunbooks.runbook(id: "service-memory-leak", matchers: [#"alertname="ServiceMemoryLeak""#]),
        ])
        try await withApp({ config in
            config.runbooks.path = dir.path
            config.slo.services = [ServiceObjective(service: "checkout-api", objective: 99.9, window: .seconds(30 * 86_400))]
        }, clock: clock) { client in
            let (kind, reply) = try await ChatRouteTests.say(client, "drill start service-memory-leak sev2", user: "alice")
            #expect(kind == "in_channel" && reply.hasPrefix("Drill *INC-1* [SEV2]: Drill: service-memory-leak title (a drill"))
            let (_, none) = try await ChatRouteTests.say(client, "drill start nope")
            #expect(none.hasPrefix("No runbook `nope`. Runbooks: `service-memory-leak`"))
            let (_, declared) = try await ChatRouteTests.say(client, "declare drill sev3 failover rehearsal", user: "alice")
            #expect(declared.hasPrefix("Drill *INC-2* [SEV3]: failover rehearsal"))
            _ = try await ChatRouteTests.say(client, "declare sev3 a real one", user: "alice")
            let (_, list) = try await ChatRouteTests.say(client, "list all")
            #expect(list.contains("[DRILL] *INC-1*") && list.contains("[DRILL] *INC-2*") && !list.contains("[DRILL] *INC-3*"))
            let incident = try json(try await client.get("/api/v1/incidents/1"))
            #expect(incident["drill"] as? Bool == true && (incident["runbook"] as? [String: Any])?["id"] as? String == "service-memory-leak")

            #expect(try json(try await client.get("/api/v1/stats"))["total"] as? Int == 1)
            let only = try json(try await client.get("/api/v1/stats?drills=only"))
            #expect(only["total"] as? Int == 2 && only["drills"] as? String == "only")
            #expect(try json(try await client.get("/api/v1/stats?drills=include"))["total"] as? Int == 3)
            #expect(try await client.get("/api/v1/stats?drills=maybe").status == .badRequest)

            clock.advance(seconds: 120)
            _ = try await ChatRouteTests.say(client, "ack 1", user: "alice")
            _ = try await ChatRouteTests.say(client, "note 1 TODO: the runbook's first step names a dashboard that moved", user: "alice")
            clock.advance(seconds: 300)
            _ = try await ChatRouteTests.say(client, "resolve 1 rehearsal done", user: "alice")
            _ = try await ChatRouteTests.say(client, "close 1", user: "alice")
            let draft = String(buffer: try await client.get("/api/v1/incidents/1/postmortem").body)
            try ServerGolden.check(draft, "postmortem-gameday.md")
            // Never charged, though it ran for five minutes.
            #expect(try json(try await client.get("/api/v1/slo/checkout-api"))["consumedSeconds"] as? Double == 0)
        }
    }

    @Test func statsGiveMTBFAndAvailabilityPerService() async throws {
        let clock = ManualClock(Self.t0)
        try await withApp({ _ in }, clock: clock) { client in
            _ = try await client.post("/api/v1/alertmanager", try Storm.body([Storm.alert(0, status: "firing")], status: "firing"))
            clock.advance(seconds: 1_800)
            _ = try await ChatRouteTests.say(client, "mitigate 1", user: "bob")
            let stats = try json(try await client.get("/api/v1/stats?since=2026-11-25T14:00:00Z&until=2026-11-25T16:00:00Z"))
            let checkout = try #require((stats["reliability"] as? [String: Any])?["checkout-api"] as? [String: Any])
            #expect(checkout["failures"] as? Int == 1 && checkout["downtimeSeconds"] as? Double == 1_800)
            // The window ends at now (15:30), so it is 1.5 h long: up 1 h, down 30 min.
            #expect(checkout["mtbfSeconds"] as? Double == 3_600 && checkout["mttrSeconds"] as? Double == 1_800)
            #expect(checkout["availability"] as? Double == 66.666667)
        }
    }

    // MARK: - The heartbeat, through the service with a manual clock

    static func watchdog(_ status: AlertStatus = .firing, with others: [AlertmanagerNotification.Alert] = []) -> AlertmanagerNotification {
        AlertmanagerNotification(receiver: "team", status: status,
                                 alerts: [.init(status: status, labels: ["alertname": "Watchdog"], startsAt: t0)] + others,
                                 groupLabels: [:], groupKey: "{}:{}")
    }

    @Test func theHeartbeatOpensAndResolvesThePipelineSilentIncident() async throws {
        let db = try TempDirectory()
        let clock = ManualClock(Self.t0)
        let service = IncidentService(store: try SQLiteIncidentStore(options: .init(path: db.file("f.sqlite"))),
                                      correlator: Correlator(config: .init()), clock: clock,
                                      heartbeat: Heartbeat(alertname: "Watchdog", timeout: .minutes(5)))
        #expect(try await service.checkHeartbeat() == .steady, "watching begins")
        clock.advance(.minutes(4))
        #expect(try await service.ingest(Self.watchdog()) == [], "a heartbeat opens nothing")
        clock.advance(.minutes(4))
        #expect(try await service.checkHeartbeat() == .steady, "4 minutes since the last beat")
        clock.advance(.minutes(2))
        #expect(try await service.checkHeartbeat() == .open(silentFor: .minutes(6)))
        #expect(try await service.checkHeartbeat() == .steady, "one incident, not one per check")
        let open = try await service.incidents(IncidentQuery(status: .open))
        #expect(open.incidents.count == 1)
        let head = try #require(open.incidents.first?.head)
        #expect(head.severity == .sev1 && head.title == "Alerting pipeline silent: no Watchdog heartbeat for 5m")
        // A notification with the heartbeat and a real alert: the real one opens its incident.
        let real = AlertmanagerNotification.Alert(status: .firing, labels: ["alertname": "DiskFull"], startsAt: Self.t0)
        let mixed = AlertmanagerNotification(receiver: "team", status: .firing,
                                             alerts: [.init(status: .firing, labels: ["alertname": "Watchdog"], startsAt: Self.t0), real],
                                             groupLabels: ["alertname": "DiskFull"], groupKey: "{}:{alertname=\"DiskFull\"}")
        #expect(try await service.ingest(mixed).map(\.action) == [.opened])
        #expect(try await service.checkHeartbeat() == .resolve(head.id))
        let resolved = try #require(try await service.incident(id: head.id))
        #expect(resolved.summary.head.status == .resolved)
        #expect(resolved.timeline.contains { $0.text.contains("no Watchdog heartbeat since") })
        #expect(try await service.checkHeartbeat() == .steady)
        // After Firehouse itself was down longer than the timeout, silence counts from its start.
        clock.advance(.minutes(30))
        #expect(try await service.checkHeartbeat(watchingSince: clock.now() - .minutes(1)) == .steady)
        #expect(try await service.checkHeartbeat() == .open(silentFor: .minutes(30)))
    }

    @Test func aDrillAlertNeverJoinsARealIncident() async throws {
        let db = try TempDirectory()
        let service = IncidentService(store: try SQLiteIncidentStore(options: .init(path: db.file("f.sqlite"))),
                                      correlator: Correlator(config: .init()), clock: ManualClock(Self.t0))
        func notification(_ labels: LabelSet) -> AlertmanagerNotification {
            AlertmanagerNotification(receiver: "team", status: .firing, alerts: [.init(status: .firing, labels: labels, startsAt: Self.t0)],
                                     groupLabels: ["alertname": "DiskFull"], groupKey: "{}:{alertname=\"DiskFull\"}")
        }
        #expect(try await service.ingest(notification(["alertname": "DiskFull", "host": "a"])).map(\.action) == [.opened])
        // Same Alertmanager group, but a drill: an incident of its own, marked.
        let drill = try await service.ingest(notification(["alertname": "DiskFull", "host": "b", "drill": "true"]))
        #expect(drill.map(\.action) == [.opened] && drill.first?.id == 2)
        #expect(try await service.incident(id: 2)?.summary.head.drill == true)
        #expect(try await service.incident(id: 1)?.summary.head.drill == false)
        // And a later real alert joins the real incident, not the drill.
        #expect(try await service.ingest(notification(["alertname": "DiskFull", "host": "c"])).first?.id == 1)
    }
}

/// A directory removed when the value goes.
final class TempDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("firehouse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
