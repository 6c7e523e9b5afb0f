import BenchSupport
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Sends bodies over raw keep-alive connections (see `RawConnection`) and measures each request's latency.
struct Sender: Sendable {
    let url: String
    let token: String?
    /// More replicas of the same service: sender `i` uses `[url] + replicas` at `i % count`.
    var replicas: [String] = []

    struct Result {
        var latencies: [Duration]
        var alerts: Int
        var failures: Int
        var elapsed: Duration

        func percentile(_ p: Double) -> Duration {
            guard !latencies.isEmpty else { return .zero }
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }

        func report(label: String) -> String {
            let seconds = Self.seconds(elapsed)
            let perSecond = Double(latencies.count) / seconds
            let alertsPerSecond = Double(alerts) / seconds
            let p50 = Self.seconds(percentile(0.5)) * 1000
            let p99 = Self.seconds(percentile(0.99)) * 1000
            let worst = Self.seconds(latencies.max() ?? .zero) * 1000
            var line = "\(label): notifications=\(latencies.count)"
            line += String(format: " notifications/s=%.0f alerts/s=%.0f", perSecond, alertsPerSecond)
            line += String(format: " p50=%.2fms p99=%.2fms max=%.2fms", p50, p99, worst)
            return line + " failures=\(failures)"
        }

        static func seconds(_ d: Duration) -> Double {
            Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
    }

    /// Base URL split into what a raw connection needs; only plain http to an IPv4 address.
    var endpoint: (host: String, port: UInt16, path: String) { Self.endpoint(url) }

    /// The replica sender `worker` talks to.
    func endpoint(worker: Int) -> (host: String, port: UInt16) {
        let all = [url] + replicas
        let (host, port, _) = Self.endpoint(all[worker % all.count])
        return (host, port)
    }

    static func endpoint(_ url: String) -> (host: String, port: UInt16, path: String) {
        var rest = Substring(url)
        if rest.hasPrefix("http://") { rest = rest.dropFirst(7) }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = slash < rest.endIndex ? String(rest[slash...]) : "/"
        let host = authority.split(separator: ":").first.map(String.init) ?? "127.0.0.1"
        let port = authority.split(separator: ":").dropFirst().first.flatMap { UInt16($0) } ?? 80
        return (host == "localhost" ? "127.0.0.1" : host, port, path)
    }

    /// The bodies as complete request bytes, built before any clock starts.
    func requests(_ bodies: [Generator.Body]) -> [[UInt8]] {
        let (host, port, path) = endpoint
        return bodies.map { RawConnection.post(path: path, host: "\(host):\(port)", body: $0.json, token: token) }
    }

    /// `concurrency` senders, each sending its next body as soon as the previous one is answered.
    func closedLoop(_ bodies: [Generator.Body], concurrency: Int) async throws -> Result {
        let requests = self.requests(bodies)
        let next = Atomic<Int>(0)
        let workers = Atomic<Int>(0)
        return Self.measure(bodies, workers: max(1, concurrency)) { record in
            let (host, port) = endpoint(worker: workers.add(1, ordering: .relaxed).oldValue)
            let connection = RawConnection(host: host, port: port)
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < requests.count else { return }
                let start = Monotonic.now
                let ok = (try? connection.send(requests[index])) == 200
                record(index, Monotonic.now - start, ok)
            }
        }
    }

    /// Sends at a fixed rate regardless of answers, as Alertmanager does. Latency counts from the
    /// time each request was due, so a server (or client) that falls behind cannot hide it.
    func openLoop(_ bodies: [Generator.Body], perSecond: Int) async throws -> Result {
        let requests = self.requests(bodies)
        let next = Atomic<Int>(0)
        let interval = 1_000_000_000 / UInt64(max(1, perSecond))
        let workers = Atomic<Int>(0)
        let start = Monotonic.now + 10_000_000
        return Self.measure(bodies, workers: 128) { record in
            let (host, port) = endpoint(worker: workers.add(1, ordering: .relaxed).oldValue)
            let connection = RawConnection(host: host, port: port)
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < requests.count else { return }
                let due = start + UInt64(index) * interval
                Monotonic.sleep(until: due)
                let ok = (try? connection.send(requests[index])) == 200
                record(index, Monotonic.now - due, ok)
            }
        }
    }

    /// Runs `workers` threads, each given a `record(index, nanoseconds, ok)` for its requests.
    static func measure(_ bodies: [Generator.Body], workers: Int,
                        _ work: @escaping @Sendable (_ record: (Int, UInt64, Bool) -> Void) -> Void) -> Result {
        let outcomes = Mutex<[(UInt64, Bool, Int)]>([])
        let done = DispatchSemaphore(value: 0)
        let alerts = bodies.map(\.alerts)
        let start = Monotonic.now
        for _ in 0..<workers {
            let thread = Thread {
                var local: [(UInt64, Bool, Int)] = []
                work { index, nanoseconds, ok in local.append((nanoseconds, ok, alerts[index])) }
                outcomes.withLock { $0 += local }
                done.signal()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        for _ in 0..<workers { done.wait() }
        let elapsed = Monotonic.now - start
        return outcomes.withLock { all in
            Result(latencies: all.map { .nanoseconds(Int64($0.0)) }, alerts: all.filter(\.1).map(\.2).reduce(0, +),
                   failures: all.filter { !$0.1 }.count, elapsed: .nanoseconds(Int64(elapsed)))
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds, without allocation.
enum Monotonic {
    static var now: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func sleep(until deadline: UInt64) {
        var ts = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
    }
}
