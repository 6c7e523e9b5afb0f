/// A runbook: what to do when its matchers match an incident's alerts.
public struct Runbook: Sendable, Equatable {
    public var id: String
    public var title: String
    public var matchers: [LabelMatcher]
    public var severity: String?
    public var owner: String?
    /// Path relative to the runbooks directory, e.g. `kafka/broker-down.md`.
    public var path: String
    /// The Markdown body after the front matter.
    public var body: String

    public init(id: String, title: String, matchers: [LabelMatcher], severity: String? = nil, owner: String? = nil,
                path: String, body: String) {
        self.id = id
        self.title = title
        self.matchers = matchers
        self.severity = severity
        self.owner = owner
        self.path = path
        self.body = body
    }

    /// The sections every runbook has, in order.
    public static let requiredSections = ["Symptoms", "Impact", "Diagnosis", "Mitigation", "Escalation", "Verification"]

    /// All matchers match the labels of this one alert.
    public func matches(_ labels: LabelSet) -> Bool {
        !matchers.isEmpty && matchers.allSatisfy { $0.matches(labels) }
    }

    /// Sort key: more matchers, then more equality matchers, then id (ascending) wins.
    public static func moreSpecific(_ a: Runbook, _ b: Runbook) -> Bool {
        if a.matchers.count != b.matchers.count { return a.matchers.count > b.matchers.count }
        let ae = a.matchers.filter(\.isEquality).count, be = b.matchers.filter(\.isEquality).count
        if ae != be { return ae > be }
        return a.id < b.id
    }

    /// The text of one `## Section`, without its heading; nil if absent.
    public func section(_ name: String) -> String? {
        var lines: [Substring] = []
        var inside = false
        for line in body.textLines {
            if line.hasPrefix("## ") {
                if inside { break }
                inside = line.dropFirst(3).trimmingWhitespace().lowercased() == name.lowercased()
                continue
            }
            if inside { lines.append(line) }
        }
        guard inside || !lines.isEmpty else { return nil }
        return lines.joined(separator: "\n").trimmingWhitespace().description
    }
}

/// The loaded runbooks; matching is pure and takes alert label sets.
public struct RunbookLibrary: Sendable, Equatable {
    public private(set) var runbooks: [Runbook]
    private var byID: [String: Int]
    /// Runbooks (by index) under one of their equality matchers (`alertname`'s when they have
    /// one): label name, then value. An alert is checked only against the runbooks filed under its
    /// own values and those in `unkeyed` (no equality matcher), not against every runbook.
    private var keyed: [String: [String: [Int]]] = [:]
    private var unkeyed: [Int] = []

    public init(_ runbooks: [Runbook] = []) {
        self.runbooks = runbooks.sorted { $0.id < $1.id }
        self.byID = Dictionary(self.runbooks.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, runbook) in self.runbooks.enumerated() {
            let equalities = runbook.matchers.filter(\.isEquality)
            if let key = equalities.first(where: { $0.name == "alertname" }) ?? equalities.first {
                keyed[key.name, default: [:]][key.value, default: []].append(index)
            } else {
                unkeyed.append(index)
            }
        }
    }

    public subscript(id: String) -> Runbook? { byID[id].map { runbooks[$0] } }

    public var isEmpty: Bool { runbooks.isEmpty }

    /// Runbooks whose matchers all match at least one of the alerts, most specific first.
    public func matching(_ alerts: [LabelSet]) -> [Runbook] {
        var matched = [Bool](repeating: false, count: runbooks.count)
        for alert in alerts {
            for index in unkeyed where !matched[index] && runbooks[index].matches(alert) { matched[index] = true }
            for (name, byValue) in keyed {
                // An absent label matches as "", as in `LabelMatcher`.
                for index in byValue[alert[name] ?? ""] ?? [] where !matched[index] && runbooks[index].matches(alert) {
                    matched[index] = true
                }
            }
        }
        return runbooks.indices.filter { matched[$0] }.map { runbooks[$0] }.sorted(by: Runbook.moreSpecific)
    }

    /// Only the runbooks that match at least one of `alerts`: for any subset of those alerts,
    /// `matching` on the result equals `matching` on the whole library, at a fraction of the cost.
    public func narrowed(to alerts: [LabelSet]) -> RunbookLibrary {
        isEmpty ? self : RunbookLibrary(matching(alerts))
    }

    /// The primary runbook among attached ids: the most specific one still in the library.
    public func primary(of ids: [String]) -> Runbook? {
        ids.compactMap { self[$0] }.sorted(by: Runbook.moreSpecific).first
    }
}
