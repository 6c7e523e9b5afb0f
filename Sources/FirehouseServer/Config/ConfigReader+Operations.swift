import FirehouseCore
import HTTPTypes
import Hummingbird
import Yams

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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
            case "digest": readDigest(node, path, into: &notifications.digest)
            default: return false
            }
            return true
        }
        if notifications.maxBackoff < notifications.initialBackoff {
            fail("\(path).max_backoff", "must not be shorter than initial_backoff")
        }
    }

    private func readDigest(_ node: Node, _ path: String, into digest: inout StormDigest) {
        section(node, path: path) { key, node, path in
            switch key {
            case "threshold": if let value = int(node, path, min: 0) { digest.threshold = value }
            case "window": if let value = positiveDuration(node, path) { digest.window = value }
            case "gather": if let value = duration(node, path) { digest.gather = value }
            default: return false
            }
            return true
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
            exclusive(item, itemPath, ["secret", "secret_env", "secret_file"])
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
                case "channel": target.channel = string(node, path) ?? ""
                case "url_env": target.urlEnv = string(node, path) ?? ""
                case "url_file":
                    hasURL = true
                    if let text = secretFile(node, path) {
                        if Self.isHTTPURL(text) { target.url = text } else { fail(path, "the file must hold an http:// or https:// URL") }
                    }
                case "secret": target.secret = string(node, path) ?? ""
                case "secret_env": target.secretEnv = string(node, path) ?? ""
                case "secret_file": target.secret = secretFile(node, path) ?? ""
                case "events": if let events = events(node, path) { target.events = events }
                default: return false
                }
                return true
            }
            if target.name.isEmpty { fail("\(itemPath).name", "every target needs a name") }
            if !names.insert(target.name).inserted { fail("\(itemPath).name", "\"\(target.name)\" is used twice") }
            if item["channel"] != nil {
                if target.kind != .slack { fail("\(itemPath).channel", "only a slack target posts to a channel (Slack app mode)") }
                if target.channel.isEmpty { fail("\(itemPath).channel", "expected a Slack channel id such as C0123456789") }
                if hasURL || !target.urlEnv.isEmpty { fail(itemPath, "needs a channel or a url, not both") }
            } else if hasURL == !target.urlEnv.isEmpty || (item["url"] != nil && item["url_file"] != nil) {
                fail(itemPath, "needs exactly one of url, url_env and url_file (or, for kind slack, channel)")
            }
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

    func readAPI(_ node: Node, _ path: String, into api: inout FirehouseConfig.API) {
        section(node, path: path) { key, node, path in
            guard key == "tokens" else { return false }
            guard let sequence = node.sequence else {
                fail(path, "expected a list of {name, token | token_env | token_file, scopes}")
                return true
            }
            var names = Set<String>()
            for (index, item) in sequence.enumerated() {
                let itemPath = "\(path)[\(index)]"
                var token = FirehouseConfig.APIToken()
                let sources = ["token", "token_env", "token_file"].filter { item[$0] != nil }
                if sources.count != 1 { fail(itemPath, "needs exactly one of token, token_env and token_file") }
                section(item, path: itemPath) { key, node, path in
                    switch key {
                    case "name": token.name = string(node, path) ?? ""
                    case "token": token.token = string(node, path) ?? ""
                    case "token_env": token.tokenEnv = string(node, path) ?? ""
                    case "token_file": token.token = secretFile(node, path) ?? ""
                    case "scopes":
                        let all = APIScope.allCases.map(\.rawValue).joined(separator: ", ")
                        guard let list = strings(node, path, what: "scope"), !list.isEmpty else {
                            if errors.last?.path != path { fail(path, "expected a non-empty list of scopes (\(all))") }
                            return true
                        }
                        for (index, name) in list.enumerated() {
                            if let scope = APIScope(rawValue: name) { token.scopes.insert(scope) } else {
                                fail("\(path)[\(index)]", "expected one of \(all)")
                            }
                        }
                    default: return false
                    }
                    return true
                }
                // The name is the actor on the timeline (`api:<name>`): short and without spaces.
                if token.name.isEmpty || token.name.count > 64 || token.name.contains(where: { $0.isWhitespace || $0.isNewline }) {
                    fail("\(itemPath).name", "every token needs a name of 1-64 characters without spaces")
                } else if !names.insert(token.name).inserted {
                    fail("\(itemPath).name", "\"\(token.name)\" is used twice")
                }
                if item["scopes"] == nil { fail("\(itemPath).scopes", "every token needs scopes (read, write or admin)") }
                // token_env is checked once the environment is applied (validate).
                for key in ["token", "token_file"] where item[key] != nil && !token.token.isEmpty && token.token.count < 16 {
                    fail("\(itemPath).\(key)", "must be at least 16 characters (e.g. openssl rand -hex 32)")
                }
                api.tokens.append(token)
            }
            return true
        }
    }

    func readUI(_ node: Node, _ path: String, into ui: inout FirehouseConfig.UISection) {
        section(node, path: path) { key, node, path in
            switch key {
            case "enabled": if let value = bool(node, path) { ui.enabled = value }
            case "trusted_user_header":
                if let text = string(node, path) {
                    if text.isEmpty || HTTPField.Name(text) != nil { ui.trustedUserHeader = text } else { fail(path, "expected an HTTP header name") }
                }
            case "trusted_proxies":
                if let list = strings(node, path, what: "address") {
                    for (index, text) in list.enumerated() where AddressRange(text) == nil {
                        fail("\(path)[\(index)]", "expected an IP address or network such as 10.0.0.0/8")
                    }
                    ui.trustedProxies = list
                }
            case "proxy_scope":
                if let text = string(node, path) {
                    if let scope = APIScope(rawValue: text) { ui.proxyScope = scope } else { fail(path, "expected read, write or admin") }
                }
            case "session_ttl": if let value = positiveDuration(node, path) { ui.sessionTTL = value }
            case "poll_interval":
                if let value = positiveDuration(node, path) {
                    if value >= .seconds(1) { ui.pollInterval = value } else { fail(path, "must be at least 1s") }
                }
            default: return false
            }
            return true
        }
    }

    func readMetrics(_ node: Node, _ path: String, into metrics: inout FirehouseConfig.MetricsSection) {
        exclusive(node, path, ["bearer_token", "bearer_token_env", "bearer_token_file"])
        section(node, path: path) { key, node, path in
            switch key {
            case "bearer_token": metrics.bearerToken = string(node, path) ?? ""
            case "bearer_token_env": metrics.bearerTokenEnv = string(node, path) ?? ""
            case "bearer_token_file": metrics.bearerToken = secretFile(node, path) ?? ""
            default: return false
            }
            return true
        }
    }

    /// At most one of `keys` may be given in the mapping `node` (a secret inline, by env or by file).
    func exclusive(_ node: Node, _ path: String, _ keys: [String]) {
        guard node.mapping != nil else { return }
        let given = keys.filter { node[$0] != nil }
        if given.count > 1 {
            fail(path.isEmpty ? given[1] : "\(path).\(given[1])", "\(given.joined(separator: " and ")) are mutually exclusive")
        }
    }

    /// A secret read from the file a `*_file` key names; a trailing newline (as `echo` and most
    /// editors leave) is not part of it.
    func secretFile(_ node: Node, _ path: String) -> String? {
        guard let file = string(node, path) else { return nil }
        guard !file.isEmpty, let text = readFile(file) else {
            fail(path, "cannot read \(file.isEmpty ? "(empty path)" : file)")
            return nil
        }
        var secret = Substring(text)
        while let last = secret.last, last.isNewline { secret = secret.dropLast() }  // "\r\n" is one Character
        guard !secret.isEmpty else {
            fail(path, "\(file) is empty")
            return nil
        }
        return String(secret)
    }

    static func fileContents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).flatMap { String(data: $0, encoding: .utf8) }
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
