/// Builds Alertmanager v4 bodies like the real ones (see Tests fixtures), deterministically.
public struct Generator {
    public struct Workload {
        public var warmup: [Body]
        public var measured: [Body]

        public init(warmup: [Body], measured: [Body]) {
            self.warmup = warmup
            self.measured = measured
        }
    }

    public struct Body: Sendable {
        public var json: String
        public var alerts: Int

        public init(json: String, alerts: Int) {
            self.json = json
            self.alerts = alerts
        }
    }

    private var state: UInt64
    public let maxAlerts: Int
    public let runID: String
    private var group = 0

    public init(seed: UInt64, maxAlerts: Int, runID: String) {
        self.state = seed | 1
        self.maxAlerts = max(1, maxAlerts)
        self.runID = runID
    }

    public mutating func next(_ bound: Int) -> Int {
        // xorshift64*: fast and good enough for picking label values.
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return Int((state &* 2_685_821_657_736_338_717) % UInt64(bound))
    }

    static let services = ["checkout", "payments", "orders-api", "session-cache", "search", "kafka", "mysql-main"]
    static let alertnames = ["ServiceMemoryLeak", "KafkaConsumerLagHigh", "RedisOutOfMemory", "MySQLSlowQueries",
                             "ElasticsearchHeapUsageHigh", "ServiceHighErrorRate"]

    /// One group: a fresh alertname+service, so a new incident, with 1...maxAlerts pods.
    public mutating func group(status: String) -> (firing: Body, resolved: Body) {
        group += 1
        let name = Self.alertnames[next(Self.alertnames.count)] + "-\(runID)-\(group)"
        let service = Self.services[next(Self.services.count)]
        let count = 1 + next(maxAlerts)
        return (body(name: name, service: service, count: count, status: "firing"),
                body(name: name, service: service, count: count, status: "resolved"))
    }

    public func body(name: String, service: String, count: Int, status: String,
                     startsAt: String = "2026-11-25T15:00:00.123456789Z") -> Body {
        var alerts: [String] = []
        for pod in 0..<count {
            let ends = status == "firing" ? "0001-01-01T00:00:00Z" : "2026-11-25T15:10:00.5Z"
            alerts.append("""
            {"status":"\(status)","labels":{"alertname":"\(name)","instance":"10.0.\(pod / 250).\(pod % 250):8080",\
            "namespace":"prod","pod":"\(service)-\(pod)","service":"\(service)","severity":"warning"},\
            "annotations":{"summary":"\(name) on \(service)","description":"Memory of \(service)-\(pod) grows 5% per hour",\
            "runbook_url":"https://runbooks.example.com/\(name)"},"startsAt":"\(startsAt)",\
            "endsAt":"\(ends)","generatorURL":"http://prometheus:9090/graph?g0.expr=up\\u0026g0.tab=1",\
            "fingerprint":""}
            """)
        }
        let json = """
        {"receiver":"firehouse","status":"\(status)","alerts":[\(alerts.joined(separator: ","))],\
        "groupLabels":{"alertname":"\(name)","service":"\(service)"},"commonLabels":{"alertname":"\(name)"},\
        "commonAnnotations":{"summary":"\(name) on \(service)"},"externalURL":"http://alertmanager:9093",\
        "version":"4","groupKey":"{}:{alertname=\\"\(name)\\", service=\\"\(service)\\"}","truncatedAlerts":0}
        """
        return Body(json: json, alerts: count)
    }

    /// One alert that fired and resolved `history` times before (each flap a new episode, a new
    /// `startsAt`), then `count` more flaps: ingest must not read the past episodes.
    public mutating func flapping(history: Int, count: Int) -> Workload {
        group += 1
        let name = "FlappingProbe-\(runID)-\(group)"
        func flap(_ index: Int) -> [Body] {
            // One second apart, from 2026-11-25T00:00:00Z: distinct episodes of the same fingerprint.
            let t = index % 86_400
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            let startsAt = "2026-11-25T\(two(t / 3600)):\(two(t / 60 % 60)):\(two(t % 60))Z"
            return [body(name: name, service: "checkout", count: 1, status: "firing", startsAt: startsAt),
                     body(name: name, service: "checkout", count: 1, status: "resolved", startsAt: startsAt)]
        }
        return Workload(warmup: (0..<history).flatMap(flap), measured: (history..<history + count).flatMap(flap))
    }

    public mutating func workload(_ scenario: Scenario, count: Int) -> Workload {
        switch scenario {
        case .flap:
            return flapping(history: 10_000, count: max(1, count / 2))
        case .storm:
            return Workload(warmup: [], measured: (0..<count).map { _ in group(status: "firing").firing })
        case .repeat:
            let distinct = (0..<max(1, count / 10)).map { _ in group(status: "firing").firing }
            return Workload(warmup: distinct, measured: (0..<count).map { distinct[$0 % distinct.count] })
        case .resolve:
            let groups = (0..<count).map { _ in group(status: "firing") }
            return Workload(warmup: groups.map(\.firing), measured: groups.map(\.resolved))
        case .mixed:
            // 70% new groups, 20% repeats of earlier ones, 10% resolves of earlier ones.
            var sent: [(firing: Body, resolved: Body)] = []
            var measured: [Body] = []
            for _ in 0..<count {
                let roll = next(10)
                if sent.isEmpty || roll < 7 {
                    let g = group(status: "firing")
                    sent.append(g)
                    measured.append(g.firing)
                } else if roll < 9 {
                    measured.append(sent[next(sent.count)].firing)
                } else {
                    measured.append(sent[next(sent.count)].resolved)
                }
            }
            return Workload(warmup: [], measured: measured)
        case .list:
            return Workload(warmup: [], measured: [])  // ListBench fills and measures itself
        }
    }
}

/// What traffic a run sends.
public enum Scenario: String, CaseIterable, Sendable {
    case storm, `repeat`, resolve, mixed, list, flap
}
