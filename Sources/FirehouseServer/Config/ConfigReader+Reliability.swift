import FirehouseCore
import Yams

extension ConfigReader {
    func readSLO(_ node: Node, _ path: String, into slo: inout FirehouseConfig.SLOSection) {
        section(node, path: path) { key, node, path in
            switch key {
            case "services": slo.services = objectives(node, path)
            case "impact_end":
                if let text = string(node, path) {
                    if let end = ImpactEnd(rawValue: text) { slo.impactEnd = end } else { fail(path, "expected mitigated or resolved") }
                }
            default: return false
            }
            return true
        }
    }

    private func objectives(_ node: Node, _ path: String) -> [ServiceObjective] {
        guard let sequence = node.sequence else {
            fail(path, "expected a list of {service, objective, window, match}")
            return []
        }
        var out: [ServiceObjective] = []
        var names = Set<String>()
        for (index, item) in sequence.enumerated() {
            let itemPath = "\(path)[\(index)]"
            var service = ""
            var objective: Double?
            var window = TimeSpan.seconds(30 * 86_400)
            var match: [LabelMatcher]?
            section(item, path: itemPath) { key, node, path in
                switch key {
                case "service": service = string(node, path) ?? ""
                case "objective":
                    if let value = node.float, value > 0, value < 100 { objective = value } else {
                        fail(path, "expected a percentage between 0 and 100 such as 99.9")
                    }
                case "window":
                    if let value = positiveDuration(node, path) {
                        if value >= .hours(1) { window = value } else { fail(path, "must be at least 1h") }
                    }
                case "match":
                    if let texts = strings(node, path, what: "label matcher") {
                        var matchers: [LabelMatcher] = []
                        for (i, text) in texts.enumerated() {
                            do { matchers.append(try LabelMatcher(parsing: text)) } catch {
                                fail("\(path)[\(i)]", "expected a matcher such as service=\"checkout\": \(error)")
                            }
                        }
                        match = matchers
                    }
                default: return false
                }
                return true
            }
            if service.isEmpty || service.contains("/") { fail("\(itemPath).service", "every objective needs a service name without /") }
            if !names.insert(service).inserted { fail("\(itemPath).service", "\"\(service)\" is used twice") }
            guard let objective else {
                if item["objective"] == nil { fail("\(itemPath).objective", "every objective needs a percentage such as 99.9") }
                continue
            }
            out.append(ServiceObjective(service: service, objective: objective, window: window, match: match))
        }
        return out
    }

    func readDrills(_ node: Node, _ path: String, into drills: inout FirehouseConfig.DrillsSection) {
        section(node, path: path) { key, node, path in
            switch key {
            case "label": drills.label = string(node, path) ?? drills.label
            case "value": drills.value = string(node, path) ?? drills.value
            default: return false
            }
            return true
        }
    }

    func readHeartbeat(_ node: Node, _ path: String, into heartbeat: inout FirehouseConfig.HeartbeatSection) {
        section(node, path: path) { key, node, path in
            switch key {
            case "alertname": heartbeat.alertname = string(node, path) ?? ""
            case "timeout":
                if let value = positiveDuration(node, path) {
                    if value >= .seconds(30) { heartbeat.timeout = value } else { fail(path, "must be at least 30s") }
                }
            case "check_interval": if let value = positiveDuration(node, path) { heartbeat.checkInterval = value }
            default: return false
            }
            return true
        }
    }
}
