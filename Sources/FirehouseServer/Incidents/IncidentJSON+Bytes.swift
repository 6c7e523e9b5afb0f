import FirehouseCore
import Hummingbird

/// The incident list written straight to bytes. Same JSON as the `Encodable` shape (a test
/// compares them); Foundation's encoder was over half of the list's CPU time.
extension IncidentPageJSON {
    static func bytes(_ page: IncidentPage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 * page.incidents.count + 32)
        out.append(contentsOf: #"{"incidents":["#.utf8)
        for (index, summary) in page.incidents.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            IncidentJSON.appendSummary(summary, to: &out)
        }
        out.append(contentsOf: #"],"next":"#.utf8)
        if let next = page.next { JSONNumber.append(next, to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension IncidentJSON {
    /// The summary fields, in the order `encode(to:)` writes them.
    static func appendSummary(_ summary: IncidentSummary, to out: inout [UInt8]) {
        let head = summary.head
        var first = true
        func key(_ name: String) {
            out.append(UInt8(ascii: first ? "{" : ","))
            first = false
            JSONString.append(name, to: &out)
            out.append(UInt8(ascii: ":"))
        }
        func string(_ name: String, _ value: String) {
            key(name)
            JSONString.append(value, to: &out)
        }
        func number(_ name: String, _ value: some BinaryInteger) {
            key(name)
            JSONNumber.append(Int64(value), to: &out)
        }
        func time(_ name: String, _ value: Timestamp?) {
            key(name)
            guard let value else { return out.append(contentsOf: "null".utf8) }
            out.append(UInt8(ascii: "\""))
            value.appendRFC3339(to: &out)
            out.append(UInt8(ascii: "\""))
        }
        number("id", head.id)
        string("ref", IncidentReference.format(head.id))
        string("title", head.title)
        string("status", head.status.rawValue)
        string("severity", head.severity.name)
        time("openedAt", head.openedAt)
        time("acknowledgedAt", head.milestones.acknowledgedAt)
        time("mitigatedAt", head.milestones.mitigatedAt)
        time("resolvedAt", head.milestones.resolvedAt)
        time("closedAt", head.milestones.closedAt)
        key("labels")
        out.append(UInt8(ascii: "{"))
        for (index, name) in head.labels.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.append(name, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONString.append(head.labels[name]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        string("receiver", head.receiver)
        number("reopenCount", head.reopenCount)
        number("alertCount", summary.alertCount)
        number("firingAlertCount", summary.firingAlertCount)
        key("drill")
        out.append(contentsOf: (head.drill ? "true" : "false").utf8)
        out.append(UInt8(ascii: "}"))
    }
}
