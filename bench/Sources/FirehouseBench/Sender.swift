import AsyncHTTPClient
import NIOCore

import Foundation

/// Sends bodies and measures each request's latency.
struct Sender: Sendable {
    let client: HTTPClient
    let url: String
    let token: String?

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

    func send(_ body: Generator.Body) async -> (Duration, Bool) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(string: body.json))
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 20)
            return (clock.now - start, response.status.code == 200)
        } catch {
            return (clock.now - start, false)
        }
    }

    /// `concurrency` senders, each sending its next body as soon as the previous one is answered.
    func closedLoop(_ bodies: [Generator.Body], concurrency: Int) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let next = Counter()
        let outcomes = await withTaskGroup(of: [(Duration, Bool, Int)].self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    var local: [(Duration, Bool, Int)] = []
                    while let index = await next.take(below: bodies.count) {
                        let (latency, ok) = await send(bodies[index])
                        local.append((latency, ok, bodies[index].alerts))
                    }
                    return local
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        return Self.result(outcomes, elapsed: clock.now - start)
    }

    /// Sends at a fixed rate regardless of answers, as Alertmanager does; latency is then honest.
    func openLoop(_ bodies: [Generator.Body], perSecond: Int) async throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let interval = Duration.seconds(1) / max(1, perSecond)
        let outcomes = await withTaskGroup(of: (Duration, Bool, Int).self) { group in
            for (index, body) in bodies.enumerated() {
                try? await clock.sleep(until: start + interval * index)
                group.addTask {
                    let (latency, ok) = await send(body)
                    return (latency, ok, body.alerts)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        return Self.result(outcomes, elapsed: clock.now - start)
    }

    static func result(_ outcomes: [(Duration, Bool, Int)], elapsed: Duration) -> Result {
        Result(latencies: outcomes.map(\.0), alerts: outcomes.filter(\.1).map(\.2).reduce(0, +),
               failures: outcomes.filter { !$0.1 }.count, elapsed: elapsed)
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
