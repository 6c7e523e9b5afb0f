import FirehouseCore
import Yams

extension ConfigReader {
    func readNotifications(_ node: Node, _ path: String, into notifications: inout FirehouseConfig.Notifications) {
        section(node, path: path) { key, node, path in
            switch key {
            case "targets": notifications.targets = targets(node, path)
            case "max_attempts": if let value = int(node, path, min: 1) { notifications.maxAttempts = value }
            case "initial_backoff": if let value = positiveDuration(node, path) { notifications.initialBackoff = value }
            case "max_backoff": if let value = positiveDuration(node, path) { notifications.maxBackoff = value }
            case "timeout": if let value = positiveDuration(node, path) { notifications.timeout = value }
            case "retention": if let value = duration(node, path) { notifications.retention = value }
            default: return false
            }
            return true
        }
        if notifications.maxBackoff < notifications.initialBackoff {
            fail("\(path).max_backoff", "must not be shorter than initial_backoff")
        }
    }

    private func targets(_ node: Node, _ path: String) -> [FirehouseConfig.NotificationTarget] {
        guard let sequence = node.sequence else {
            fail(path, "expected a list of targets")
            return []
        }
        var targets: [FirehouseConfig.NotificationTarget] = []
        var names = Set<String>()
        for (index, item) in sequence.enumerated() {
            let itemPath = "\(path)[\(index)]"
            var target = FirehouseConfig.NotificationTarget()
            var hasURL = false
            section(item, path: itemPath) { key, node, path in
                switch key {
                case "name": target.name = string(node, path) ?? ""
                case "kind":
                    let kinds = FirehouseConfig.NotificationTarget.Kind.allCases.map(\.rawValue)
                    if let text = string(node, path) {
                        if let kind = FirehouseConfig.NotificationTarget.Kind(rawValue: text) { target.kind = kind } else {
                            fail(path, "expected one of \(kinds.joined(separator: ", "))")
                        }
                    }
                case "url":
                    hasURL = true
                    if let text = string(node, path) {
                        if Self.isHTTPURL(text) { target.url = text } else { fail(path, "expected an http:// or https:// URL") }
                    }
                case "url_env": target.urlEnv = string(node, path) ?? ""
                case "secret": target.secret = string(node, path) ?? ""
                case "secret_env": target.secretEnv = string(node, path) ?? ""
                case "events": if let events = events(node, path) { target.events = events }
                default: return false
                }
                return true
            }
            if target.name.isEmpty { fail("\(itemPath).name", "every target needs a name") }
            if !names.insert(target.name).inserted { fail("\(itemPath).name", "\"\(target.name)\" is used twice") }
            if hasURL == !target.urlEnv.isEmpty { fail(itemPath, "needs exactly one of url and url_env") }
            targets.append(target)
        }
        return targets
    }

    private func events(_ node: Node, _ path: String) -> Set<OutboundEvent>? {
        let names = OutboundEvent.allCases.map(\.rawValue).joined(separator: ", ")
        guard let sequence = node.sequence, !sequence.isEmpty else {
            fail(path, "expected a non-empty list of events (\(names))")
            return nil
        }
        var events = Set<OutboundEvent>()
        for (index, item) in sequence.enumerated() {
            guard let text = item.string, let event = OutboundEvent(rawValue: text) else {
                fail("\(path)[\(index)]", "expected one of \(names)")
                return nil
            }
            events.insert(event)
        }
        return events
    }

    func readEscalation(_ node: Node, _ path: String, into escalation: inout FirehouseConfig.EscalationSection) {
        section(node, path: path) { key, node, path in
            switch key {
            case "after": if let value = duration(node, path) { escalation.after = value }
            case "min_severity": if let value = severity(node, path) { escalation.minSeverity = value }
            case "repeat": if let value = duration(node, path) { escalation.repeatEvery = value }
            case "check_interval": if let value = positiveDuration(node, path) { escalation.checkInterval = value }
            default: return false
            }
            return true
        }
    }

    func readAlertmanager(_ node: Node, _ path: String, into alertmanager: inout FirehouseConfig.AlertmanagerSection) {
        section(node, path: path) { key, node, path in
            switch key {
            case "url":
                if let text = string(node, path) {
                    if text.isEmpty || Self.isHTTPURL(text) {
                        alertmanager.url = text.hasSuffix("/") ? String(text.dropLast()) : text
                    } else { fail(path, "expected an http:// or https:// URL") }
                }
            case "timeout": if let value = positiveDuration(node, path) { alertmanager.timeout = value }
            default: return false
            }
            return true
        }
    }

    func positiveDuration(_ node: Node, _ path: String) -> TimeSpan? {
        guard let value = duration(node, path) else { return nil }
        guard value.nanoseconds > 0 else {
            fail(path, "must be longer than 0s")
            return nil
        }
        return value
    }

    static func isHTTPURL(_ text: String) -> Bool {
        (text.hasPrefix("http://") || text.hasPrefix("https://")) && text.count > 8 && !text.contains(where: \.isWhitespace)
    }
}
