import BenchSupport
import FirehouseCore
import FirehouseService
import FirehouseStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

// Ingest without HTTP: decodes generated notifications, then commits them through the store's
// service and the store's group commit with CONCURRENCY callers, on a fresh temporary database (durable, as in production).
// Reports notifications/s, alerts/s and the process CPU per notification: the store's own cost,
// steadier than the HTTP benchmark on a shared machine.
// Run: swift run -c release firehouse-bench-ingest [storm|repeat|resolve|flap] [notifications] [concurrency]

let arguments = CommandLine.arguments.dropFirst()
let scenario = arguments.first.flatMap(Scenario.init(rawValue:)) ?? .storm
let count = arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000
let concurrency = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 64

struct BenchClock: WallClock {
    func now() -> Timestamp { Timestamp(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9)) }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func decode(_ bodies: [Generator.Body]) throws -> [AlertmanagerNotification] {
    try bodies.map { try AlertmanagerNotification.decode(json: Array($0.json.utf8)) }
}

func ingest(_ notifications: [AlertmanagerNotification], into store: IncidentService) async throws {
    let next = Counter()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                while let index = await next.take(below: notifications.count) {
                    _ = try await store.ingest(notifications[index])
                }
            }
        }
        try await group.waitForAll()
    }
}

actor Counter {
    private var value = 0
    func take(below limit: Int) -> Int? {
        guard value < limit else { return nil }
        defer { value += 1 }
        return value
    }
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("firehouse-ingest-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: directory) }
let store = IncidentService(store: try SQLiteIncidentStore(options: .init(path: directory + "/bench.sqlite")),
                            correlator: Correlator(config: .init()), clock: BenchClock())
var generator = Generator(seed: 42, maxAlerts: 10, runID: String(getpid()))
// flap: FLAP_HISTORY (default 10000) earlier episodes of the one flapping alert.
let history = ProcessInfo.processInfo.environment["FLAP_HISTORY"].flatMap { Int($0) } ?? 10_000
let workload = scenario == .flap ? generator.flapping(history: history, count: count / 2) : generator.workload(scenario, count: count)
try await ingest(try decode(workload.warmup), into: store)
let notifications = try decode(workload.measured)
let alerts = notifications.reduce(0) { $0 + $1.alerts.count }
let measuredCount = notifications.count
let cpu0 = cpuSeconds()
let start = Date()
try await ingest(notifications, into: store)
let wall = Date().timeIntervalSince(start)
let cpu = cpuSeconds() - cpu0
let label = scenario == .flap ? "flap(history=\(history))" : scenario.rawValue
print(String(format: "ingest %@ c=%d: notifications=%d notifications/s=%.0f alerts/s=%.0f cpu/notification=%.0fus",
             label, concurrency, measuredCount, Double(measuredCount) / wall, Double(alerts) / wall, cpu / Double(measuredCount) * 1e6))
