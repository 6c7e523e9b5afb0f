import FirehouseCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `firehouse drill`: proves the whole alerting path with a synthetic alert. It posts the alert (a
/// runbook's matchers plus the drill label) to Alertmanager's API v2, waits for Firehouse to open
/// the drill incident with that runbook attached, resolves the alert through Alertmanager, waits
/// for the auto-resolve, closes the incident and reports each hop's time. The clock and the pause
/// between polls are parameters, so tests run it against scripted servers without sleeping.
public struct DrillRun: Sendable {
    public struct Options: Sendable {
        public var alertmanager: String
        public var firehouse: String
        public var token: String?
        public var runbook: String?
        public var timeout: TimeSpan
        public var drillLabel: String
        public var drillValue: String

        public init(alertmanager: String, firehouse: String = "http://127.0.0.1:9095", token: String? = nil, runbook: String? = nil,
                    timeout: TimeSpan = .minutes(2), drillLabel: String = "drill", drillValue: String = "true") {
            self.alertmanager = Self.trimmed(alertmanager)
            self.firehouse = Self.trimmed(firehouse)
            self.token = token
            self.runbook = runbook
            self.timeout = timeout
            self.drillLabel = drillLabel
            self.drillValue = drillValue
        }

        static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }
    }

    /// One step of the path and how long it took.
    public struct Hop: Sendable, Equatable {
        public var name: String
        public var passed: Bool
        public var seconds: Double
        public var detail: String
    }

    public struct Report: Sendable, Equatable {
        public var hops: [Hop] = []
        public var incident: Int64?
        public var runbook: String?

        public var passed: Bool { !hops.isEmpty && hops.allSatisfy(\.passed) && hops.count == DrillRun.hopCount }

        public var text: String {
            var lines = ["firehouse drill: \(passed ? "PASS" : "FAIL")"
                + (runbook.map { " (runbook \($0)" + (incident.map { ", \(IncidentReference.format($0))" } ?? "") + ")" } ?? "")]
            for hop in hops {
                let time = String(format: "%7.2fs", hop.seconds)
                lines.append("  \(hop.passed ? "ok  " : "FAIL") \(hop.name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(time)"
                             + (hop.detail.isEmpty ? "" : "  \(hop.detail)"))
            }
            let total = hops.reduce(0) { $0 + $1.seconds }
            lines.append(String(format: "  total %.2fs", total))
            return lines.joined(separator: "\n")
        }
    }

    static let hopCount = 6

    let options: Options
    let http: any OutboundHTTP
    let now: @Sendable () -> Timestamp
    let pause: @Sendable (Duration) async -> Void
    let run: String

    public init(options: Options, http: any OutboundHTTP = AsyncHTTPOutbound(), now: @escaping @Sendable () -> Timestamp,
                pause: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }, run: String) {
        self.options = options
        self.http = http
        self.now = now
        self.pause = pause
        self.run = run
    }

    struct Failure: Error {
        var message: String
    }

    struct RunbookJSON: Decodable {
        var id: String
        var title: String
        var matchers: [String]
    }

    struct RunbookList: Decodable {
        var runbooks: [RunbookJSON]
    }

    struct IncidentJSON: Decodable {
        var id: Int64
        var status: String
        var drill: Bool?
        var alerts: [AlertJSON]?
        var runbook: RunbookRef?

        struct AlertJSON: Decodable {
            var labels: [String: String]
        }

        struct RunbookRef: Decodable {
            var id: String?
        }
    }

    struct IncidentList: Decodable {
        var incidents: [IncidentJSON]
    }

    struct PostableAlert: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
    }

    public func execute() async -> Report {
        var report = Report()
        var posted: PostableAlert?
        let deadline = now() + options.timeout
        func hop(_ name: String, _ body: () async throws -> String) async -> Bool {
            let start = now()
            do {
                let detail = try await body()
                report.hops.append(Hop(name: name, passed: true, seconds: (now() - start).seconds, detail: detail))
                return true
            } catch {
                let message = (error as? Failure)?.message ?? "\(error)"
                report.hops.append(Hop(name: name, passed: false, seconds: (now() - start).seconds, detail: message))
                return false
            }
        }
        var labels = LabelSet()
        var runbook: RunbookJSON?
        var known: Int64 = 0
        guard await hop("runbook chosen, Firehouse reachable", {
            let chosen = try await chooseRunbook()
            runbook = chosen
            report.runbook = chosen.id
            let matchers = try chosen.matchers.map { text -> LabelMatcher in
                do { return try LabelMatcher(parsing: text) } catch { throw Failure(message: "runbook \(chosen.id): \(error)") }
            }
            do {
                labels = try DrillAlert.labels(for: matchers, drillLabel: options.drillLabel, drillValue: options.drillValue, run: run)
            } catch {
                throw Failure(message: "runbook \(chosen.id): \(error)")
            }
            known = try await newestIncident()
            return "\(chosen.id): " + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ", ")
        }) else { return report }
        let alert = PostableAlert(labels: Dictionary(uniqueKeysWithValues: labels.map { ($0.key, $0.value) }),
                                  annotations: ["summary": "Firehouse drill \(run) rehearsing runbook \(runbook?.id ?? "")"],
                                  startsAt: now().rfc3339, endsAt: (now() + options.timeout + .minutes(10)).rfc3339)
        guard await hop("alert posted to Alertmanager", {
            try await postAlert(alert)
            posted = alert
            return "\(options.alertmanager)/api/v2/alerts"
        }) else { return report }
        var incident: IncidentJSON?
        let opened = await hop("drill incident opened with the runbook", {
            let found = try await waitFor("the drill incident", until: deadline) { try await findIncident(after: known) }
            incident = found
            report.incident = found.id
            guard found.drill == true else { throw Failure(message: "\(IncidentReference.format(found.id)) is not marked as a drill") }
            guard found.runbook?.id == runbook?.id else {
                throw Failure(message: "\(IncidentReference.format(found.id)) has runbook \(found.runbook?.id ?? "none"), expected \(runbook?.id ?? "")")
            }
            return IncidentReference.format(found.id)
        })
        // Whatever happened, the synthetic alert must not keep firing.
        let resolvedInAlertmanager = await hop("alert resolved in Alertmanager", {
            guard var alert = posted else { throw Failure(message: "nothing was posted") }
            alert.endsAt = now().rfc3339
            try await postAlert(alert)
            return ""
        })
        guard opened, resolvedInAlertmanager, let id = incident?.id else { return report }
        guard await hop("incident resolved by Alertmanager", {
            _ = try await waitFor("the auto-resolve", until: deadline) { () async throws -> IncidentJSON? in
                let current = try await fetchIncident(id)
                return ["resolved", "closed"].contains(current.status) ? current : nil
            }
            return ""
        }) else { return report }
        _ = await hop("incident closed, game-day draft written", {
            let response = try await send("POST", "\(options.firehouse)/api/v1/incidents/\(id)/close", body: Array("{}".utf8), auth: true)
            guard response.status == 200 else { throw Failure(message: "close answered \(response.status): \(response.text.prefix(200))") }
            let draft = try await send("GET", "\(options.firehouse)/api/v1/incidents/\(id)/postmortem", auth: true)
            guard draft.status == 200, draft.text.hasPrefix("# Game day:") else {
                throw Failure(message: "the draft is not a game-day report (\(draft.status)): \(draft.text.prefix(80))")
            }
            return ""
        })
        return report
    }

    // MARK: - Steps

    func chooseRunbook() async throws -> RunbookJSON {
        if let id = options.runbook {
            let response = try await send("GET", "\(options.firehouse)/api/v1/runbooks/\(id)", auth: true)
            guard response.status == 200 else { throw Failure(message: "runbook \(id): Firehouse answered \(response.status): \(response.text.prefix(200))") }
            return try decode(RunbookJSON.self, response)
        }
        let response = try await send("GET", "\(options.firehouse)/api/v1/runbooks", auth: true)
        guard response.status == 200 else { throw Failure(message: "Firehouse answered \(response.status): \(response.text.prefix(200))") }
        let list = try decode(RunbookList.self, response)
        guard let first = list.runbooks.first(where: { $0.matchers.allSatisfy { !$0.contains("=~") } }) ?? list.runbooks.first else {
            throw Failure(message: "Firehouse has no runbooks to rehearse")
        }
        return first
    }

    func newestIncident() async throws -> Int64 {
        let response = try await send("GET", "\(options.firehouse)/api/v1/incidents?status=all&limit=1", auth: true)
        guard response.status == 200 else { throw Failure(message: "listing incidents answered \(response.status): \(response.text.prefix(200))") }
        return try decode(IncidentList.self, response).incidents.first?.id ?? 0
    }

    func postAlert(_ alert: PostableAlert) async throws {
        let response = try await send("POST", "\(options.alertmanager)/api/v2/alerts", body: RequestJSON.encode([alert]), auth: false)
        guard (200..<300).contains(response.status) else {
            throw Failure(message: "Alertmanager answered \(response.status): \(response.text.prefix(200))")
        }
    }

    /// The newest open incident past `known` whose alerts carry this run's label.
    func findIncident(after known: Int64) async throws -> IncidentJSON? {
        let response = try await send("GET", "\(options.firehouse)/api/v1/incidents?status=all&limit=50", auth: true)
        guard response.status == 200 else { throw Failure(message: "listing incidents answered \(response.status)") }
        for candidate in try decode(IncidentList.self, response).incidents where candidate.id > known && candidate.drill == true {
            let detail = try await fetchIncident(candidate.id)
            if detail.alerts?.contains(where: { $0.labels[DrillAlert.runLabel] == run }) == true { return detail }
        }
        return nil
    }

    func fetchIncident(_ id: Int64) async throws -> IncidentJSON {
        let response = try await send("GET", "\(options.firehouse)/api/v1/incidents/\(id)", auth: true)
        guard response.status == 200 else { throw Failure(message: "\(IncidentReference.format(id)): Firehouse answered \(response.status)") }
        return try decode(IncidentJSON.self, response)
    }

    func waitFor<T>(_ what: String, until deadline: Timestamp, _ probe: () async throws -> T?) async throws -> T {
        while true {
            if let value = try await probe() { return value }
            guard now() < deadline else { throw Failure(message: "gave up waiting for \(what) after \(options.timeout.humanReadable)") }
            await pause(.milliseconds(500))
        }
    }

    func send(_ method: String, _ url: String, body: [UInt8] = [], auth: Bool) async throws -> OutboundResponse {
        var headers = ["Accept": "application/json"]
        if !body.isEmpty { headers["Content-Type"] = "application/json" }
        if auth, let token = options.token { headers["Authorization"] = "Bearer \(token)" }
        do {
            return try await http.send(OutboundRequest(method: method, url: url, headers: headers, body: body), timeout: .seconds(10))
        } catch {
            throw Failure(message: "\(method) \(url): \(error)")
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: OutboundResponse) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(response.body)) } catch {
            throw Failure(message: "unexpected answer: \(response.text.prefix(200))")
        }
    }
}
