import BenchSupport
import CallgrindControl
import Dispatch
import FirehouseCore
import FirehouseServer
import FirehouseService
import FirehouseStore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// Ingest on a fresh temporary database (durable, as in production), with the runbooks of
// FIREHOUSE_RUNBOOKS (default ./runbooks, as `firehouse serve` run from the repository):
// - store alone (default): each body is decoded (in the measured phase, as the server must), then
//   committed through the service and the store's group commit by CONCURRENCY callers;
// - `--http`: the same bodies posted by CONCURRENCY sender threads over loopback keep-alive
//   connections to a server built in this process by `buildApplication`, as `firehouse serve`
//   builds it (logging included): the whole HTTP path, from the socket to the reply.
// Reports notifications/s, alerts/s and the process CPU per notification (with --http that includes
// the senders). The measured phase runs between callgrind's zero and dump requests, so under
// `valgrind --tool=callgrind` the dump named `measured` counts exactly its instructions
// (bench/instructions.sh). The main thread is synchronous: valgrind 3.19 crashes when an async
// main's thread ends inside dispatch_main.
// Run: swift run -c release firehouse-bench-ingest [storm|repeat|resolve|flap] [notifications] [concurrency] [--http]
// (BODIES=file.ndjson: that file's bodies instead of the generator's.)

var arguments = Array(CommandLine.arguments.dropFirst())
let throughHTTP = arguments.contains("--http")
arguments.removeAll { $0 == "--http" }
let scenario = arguments.first.flatMap(Scenario.init(rawValue:)) ?? .storm
let count = arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000
let concurrency = max(1, arguments.dropFirst(2).first.flatMap { Int($0) } ?? 64)
let environment = ProcessInfo.processInfo.environment
let runbooks = environment["FIREHOUSE_RUNBOOKS"] ?? "./runbooks"
// The server's default; bench/instructions.sh sets a long one, because checkpoints come with time,
// not with notifications, and callgrind slows time.
let checkpointInterval = environment["CHECKPOINT_INTERVAL_MS"].flatMap { Int64($0) }
    .map { TimeSpan(nanoseconds: $0 * 1_000_000) } ?? FirehouseConfig().database.checkpointInterval

struct BenchClock: WallClock {
    func now() -> Timestamp { Timestamp(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9)) }
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Hands out indexes to concurrent workers, each once.
final class Indexes: Sendable {
    private let next = Atomic<Int>(0)
    let count: Int
    init(_ count: Int) { self.count = count }
    func take() -> Int? {
        let index = next.add(1, ordering: .relaxed).oldValue
        return index < count ? index : nil
    }
}

/// Runs `body` for every index below `count`, `concurrency` at a time.
func forEachConcurrently(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    let indexes = Indexes(count)
    try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                while let index = indexes.take() {
                    try await body(index)
                }
            }
        }
        try await group.waitForAll()
    }
}

/// The store alone: the service over SQLite, called directly with decoded notifications, and the
/// background checkpoints the server runs beside it.
struct StoreTarget {
    let service: IncidentService
    let checkpoints: StoreCheckpointService

    init(directory: String) throws {
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let catalog = RunbookCatalog(directory: runbooks, logger: quiet)
        catalog.reload()
        let store = try SQLiteIncidentStore(options: .init(path: directory + "/bench.sqlite"))
        service = IncidentService(store: store, correlator: Correlator(config: .init()), clock: BenchClock(), runbooks: catalog.shelf)
        checkpoints = StoreCheckpointService(store: store, logger: quiet, interval: checkpointInterval.duration)
    }

    func ingest(_ bodies: [Generator.Body]) async throws {
        let notifications = try bodies.map { try AlertmanagerNotification.decode(json: Array($0.json.utf8)) }
        try await forEachConcurrently(notifications.count) { [service] in _ = try await service.ingest(notifications[$0]) }
    }
}

/// The whole HTTP path: a server built as `firehouse serve` builds it, and blocking senders.
struct HTTPTarget {
    static let port: UInt16 = environment["PORT"].flatMap { UInt16($0) } ?? 19_097
    let group: ServiceGroup

    init(directory: String) throws {
        var config = FirehouseConfig()
        config.server.listen = ListenAddress(host: "127.0.0.1", port: Int(Self.port))
        // DATABASE_URL: another backend (an empty PostgreSQL database) behind the same server.
        config.database.url = environment["DATABASE_URL"] ?? directory + "/bench.sqlite"
        config.runbooks.path = runbooks
        config.database.checkpointInterval = checkpointInterval
        LoggerFactory.bootstrap(config.logging)
        let logger = LoggerFactory.make(config.logging)
        let app = try buildApplication(config: config, logger: logger)
        group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    }

    func start() {
        Task { [group] in try await group.run() }
        let probe = RawConnection(host: "127.0.0.1", port: Self.port)
        // Under callgrind start-up takes seconds; a server that never gets ready ends the benchmark.
        var attempts = 0
        while (try? probe.send(RawConnection.get(path: "/readyz", host: "127.0.0.1"))) != 200 {
            attempts += 1
            guard attempts < 6_000 else {
                FileHandle.standardError.write(Data("firehouse-bench-ingest: the server was not ready after 2 minutes\n".utf8))
                exit(1)
            }
            usleep(20_000)
        }
    }

    /// Each body as a complete request, built before the measured phase: the sender's work is not the server's.
    static func requests(_ bodies: [Generator.Body]) -> [[UInt8]] {
        bodies.map { RawConnection.post(path: "/api/v1/alertmanager", host: "127.0.0.1", body: $0.json, token: nil) }
    }

    /// Posts every request from `concurrency` threads; any answer but 200 ends the benchmark.
    func ingest(_ requests: [[UInt8]]) {
        let indexes = Indexes(requests.count)
        // Threads of their own: blocking senders on dispatch's workers would starve the server's tasks.
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<concurrency {
            Thread {
                send(requests, indexes)
                done.signal()
            }.start()
        }
        for _ in 0..<concurrency { done.wait() }
    }

    private func send(_ requests: [[UInt8]], _ indexes: Indexes) {
        let connection = RawConnection(host: "127.0.0.1", port: Self.port)
        while let index = indexes.take() {
            let status = (try? connection.send(requests[index])) ?? 0
            guard status == 200 else {
                FileHandle.standardError.write(Data("firehouse-bench-ingest: answer \(status) to notification \(index)\n".utf8))
                exit(1)
            }
        }
    }
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("firehouse-ingest-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
var generator = Generator(seed: 42, maxAlerts: 10, runID: String(getpid()))
// flap: FLAP_HISTORY (default 10000) earlier episodes of the one flapping alert.
let history = environment["FLAP_HISTORY"].flatMap { Int($0) } ?? 10_000
var workload = scenario == .flap ? generator.flapping(history: history, count: count / 2) : generator.workload(scenario, count: count)
// BODIES: the first NOTIFICATIONS bodies of a file with one webhook body per line (the peer
// harness's storm.ndjson, say) are measured instead of the generator's.
if let path = environment["BODIES"] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).textLines.filter { !$0.isEmpty }.prefix(count)
    guard lines.count == count else {
        FileHandle.standardError.write(Data("firehouse-bench-ingest: \(path) holds \(lines.count) bodies, fewer than \(count)\n".utf8))
        exit(2)
    }
    workload = .init(warmup: [], measured: try lines.map {
        Generator.Body(json: String($0), alerts: try AlertmanagerNotification.decode(json: Array($0.utf8)).alerts.count)
    })
}
// A storm has no warm-up of its own; first requests pay for lazy set-up (statements, caches).
let warmup = workload.warmup.isEmpty ? generator.workload(.storm, count: min(200, count)).measured : workload.warmup
let measured = workload.measured
let alerts = measured.reduce(0) { $0 + $1.alerts }

/// Runs async work to completion from the synchronous main thread.
func blocking<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
    let finished = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var outcome: Result<T, any Error> = .failure(CancellationError())
    Task {
        do { outcome = .success(try await work()) } catch { outcome = .failure(error) }
        finished.signal()
    }
    finished.wait()
    return try outcome.get()
}

/// Runs `phase` between callgrind's zero and dump requests; returns its wall and CPU seconds.
func measure(_ phase: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    let cpu0 = cpuSeconds()
    let start = Date()
    firehouse_callgrind_zero()
    try phase()
    firehouse_callgrind_dump("measured")
    return (Date().timeIntervalSince(start), cpuSeconds() - cpu0)
}

let (wall, cpu): (Double, Double)
if throughHTTP {
    let target = try HTTPTarget(directory: directory)
    target.start()
    target.ingest(HTTPTarget.requests(warmup))
    let requests = HTTPTarget.requests(measured)
    (wall, cpu) = measure { target.ingest(requests) }
    try blocking { [group = target.group] in await group.triggerGracefulShutdown() }
} else {
    let target = try StoreTarget(directory: directory)
    let checkpoints = Task { [checkpoints = target.checkpoints] in try await checkpoints.run() }
    try blocking { try await target.ingest(warmup) }
    (wall, cpu) = try measure { try blocking { try await target.ingest(measured) } }
    checkpoints.cancel()
}
let label = (scenario == .flap ? "flap(history=\(history))" : scenario.rawValue) + (throughHTTP ? " through HTTP" : "")
print(String(format: "ingest %@ c=%d: notifications=%d notifications/s=%.0f alerts/s=%.0f cpu/notification=%.0fus",
             label, concurrency, measured.count, Double(measured.count) / wall, Double(alerts) / wall, cpu / Double(measured.count) * 1e6))
