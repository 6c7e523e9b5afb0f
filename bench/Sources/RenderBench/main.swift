import FirehouseCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// Post-mortem rendering benchmark: an incident with 10,000 timeline events and 1,000 alerts,
// built in memory, rendered repeatedly; prints the median and worst time per render.
// Run: swift run -c release firehouse-bench-render

let t0 = Timestamp(rfc3339: "2026-11-25T15:00:00Z")!
var alerts: [AlertRecord] = []
for i in 0..<1000 {
    alerts.append(AlertRecord(
        fingerprint: String(format: "%016x", i), status: i % 3 == 0 ? .firing : .resolved,
        labels: ["alertname": "ServiceMemoryLeak\(i % 7)", "pod": "checkout-api-\(i)", "namespace": "shop",
                 "service": "checkout-api", "severity": "warning", "team": "payments"],
        annotations: ["summary": "memory keeps growing on checkout-api-\(i)", "description": String(repeating: "grows | fast ", count: 10),
                      "runbook_url": "https://runbooks.example.com/services/memory-leak"],
        startsAt: t0 + .seconds(Int64(i)), endsAt: i % 3 == 0 ? nil : t0 + .seconds(Int64(3600 + i)),
        generatorURL: "http://prometheus:9090/graph?g0.expr=up", firstSeenAt: t0, lastSeenAt: t0))
}
var timeline: [TimelineEntry] = []
for i in 0..<10_000 {
    let alert = alerts[i % 1000]
    let kind = i % 10 == 9 ? "note" : (i % 2 == 0 ? "alert_fired" : "alert_resolved")
    timeline.append(TimelineEntry(
        id: Int64(i), at: t0 + .seconds(Int64(i)), kind: kind, actor: kind == "note" ? "alice" : "alertmanager",
        text: kind == "note" ? "TODO: note \(i) with *markdown* and | pipes" : "\(alert.labels["alertname"]!) on \(alert.labels["pod"]!)",
        data: ["alertname": alert.labels["alertname"]!, "fingerprint": alert.fingerprint]))
}
let head = IncidentHead(id: 42, correlationKey: "k", receiver: "r", title: "Storm", labels: [:], severity: .sev1,
                        milestones: .init(status: .closed, acknowledgedAt: t0 + .minutes(3), mitigatedAt: t0 + .minutes(30),
                                          resolvedAt: t0 + .minutes(200), closedAt: t0 + .minutes(300)),
                        openedAt: t0)
var roles: [RoleAssignment] = []
for i in 0..<20 {
    let from: Timestamp = t0 + TimeSpan.minutes(Int64(i * 10))
    let to: Timestamp? = i >= 18 ? nil : from + TimeSpan.minutes(10)
    let role = i % 2 == 0 ? "commander" : "scribe"
    roles.append(RoleAssignment(id: Int64(i), role: role, user: ChatUser(id: "u\(i)", name: "user\(i)"),
                                from: from, to: to, assignedBy: "alice"))
}
let detail = IncidentDetail(summary: IncidentSummary(head: head, alertCount: 1000, firingAlertCount: 333),
                            alerts: alerts, timeline: timeline, roles: roles)

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) * 1000 + Double(spec.tv_nsec) / 1e6
}

var times: [Double] = []
var size = 0
for _ in 0..<20 {
    let start = now()
    let text = PostmortemRenderer.render(PostmortemBuilder.build(detail, library: RunbookLibrary()))
    times.append(now() - start)
    size = text.utf8.count
}
times.sort()
print(String(format: "post-mortem render (10,000 events, 1,000 alerts): median %.1f ms, worst %.1f ms, %d KB, 20 runs",
             times[times.count / 2], times.last!, size / 1024))
