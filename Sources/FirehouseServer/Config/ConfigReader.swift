import FirehouseCore
import Logging
import Yams

/// Reads the YAML tree into `FirehouseConfig`, collecting errors with key paths instead of stopping
/// at the first one, and rejecting unknown keys (a typo must not silently fall back to a default).
final class ConfigReader {
    var errors: [ConfigError] = []
    /// `server.external_url` and its alias `chat.public_url`, as set (by key path).
    private var externalURLs: [(path: String, url: ExternalURL)] = []
    /// Reads `*_file` secrets (Kubernetes secret volumes, Alertmanager's `credentials_file` style).
    let readFile: (String) -> String?

    init(readFile: @escaping (String) -> String? = ConfigReader.fileContents) {
        self.readFile = readFile
    }

    func read(_ root: Node, into config: inout FirehouseConfig) {
        section(root, path: "") { key, node, path in
            switch key {
            case "server":
                section(node, path: path) { key, node, path in
                    switch key {
                    case "listen":
                        if let text = string(node, path), let address = ListenAddress(text) {
                            config.server.listen = address
                        } else { fail(path, "expected host:port, e.g. 127.0.0.1:9095") }
                    case "max_body_bytes":
                        if let value = int(node, path, min: 1024) { config.server.maxBodyBytes = value }
                    case "max_api_body_bytes":
                        if let value = int(node, path, min: 1024) { config.server.maxAPIBodyBytes = value }
                    case "idle_timeout":
                        if let value = positiveDuration(node, path) { config.server.idleTimeout = value }
                    case "shutdown_delay":
                        if let value = duration(node, path) { config.server.shutdownDelay = value }
                    case "grace_period":
                        if let value = duration(node, path) { config.server.gracePeriod = value }
                    case "allow_unauthenticated":
                        if let value = bool(node, path) { config.server.allowUnauthenticated = value }
                    case "external_url":
                        if let text = string(node, path) { externalURL(text, path) }
                    default: return false
                    }
                    return true
                }
            case "database":
                section(node, path: path) { key, node, path in
                    switch key {
                    case "path":
                        if let text = string(node, path), !text.isEmpty { config.database.path = text } else if errors.last?.path != path { fail(path, "must not be empty") }
                    case "busy_timeout":
                        // SQLite takes milliseconds as a C int.
                        if let value = duration(node, path, max: .hours(24)) { config.database.busyTimeout = value }
                    case "checkpoint_interval":
                        if let value = duration(node, path) {
                            if value.nanoseconds >= 10_000_000 { config.database.checkpointInterval = value } else {
                                fail(path, "must be at least 10ms")
                            }
                        }
                    default: return false
                    }
                    return true
                }
            case "webhook":
                exclusive(node, path, ["bearer_token", "bearer_token_file"])
                section(node, path: path) { key, node, path in
                    switch key {
                    case "bearer_token":
                        if let text = string(node, path) { config.webhook.bearerToken = text }
                    case "bearer_token_file":
                        if let text = secretFile(node, path) { config.webhook.bearerToken = text }
                    case "receivers":
                        if let list = strings(node, path, what: "receiver name") { config.webhook.receivers = list }
                    case "max_alerts":
                        if let value = int(node, path, min: 1) { config.webhook.limits.maxAlerts = value }
                    case "max_labels":
                        if let value = int(node, path, min: 1) { config.webhook.limits.maxLabels = value }
                    case "max_label_value_bytes":
                        if let value = int(node, path, min: 1) { config.webhook.limits.maxLabelValueBytes = value }
                    case "max_annotation_value_bytes":
                        if let value = int(node, path, min: 1) { config.webhook.limits.maxAnnotationValueBytes = value }
                    case "basic_auth":
                        exclusive(node, path, ["password", "password_file"])
                        section(node, path: path) { key, node, path in
                            switch key {
                            case "username": if let text = string(node, path) { config.webhook.basicUsername = text }
                            case "password": if let text = string(node, path) { config.webhook.basicPassword = text }
                            case "password_file": if let text = secretFile(node, path) { config.webhook.basicPassword = text }
                            default: return false
                            }
                            return true
                        }
                    default: return false
                    }
                    return true
                }
            case "correlation":
                section(node, path: path) { key, node, path in
                    switch key {
                    case "group_by":
                        if let list = strings(node, path) { config.correlation.groupBy = list }
                    case "reopen_window":
                        if let value = duration(node, path) { config.correlation.reopenWindow = value }
                    case "auto_resolve":
                        if let value = bool(node, path) { config.correlation.autoResolve = value }
                    default: return false
                    }
                    return true
                }
            case "severity":
                section(node, path: path) { key, node, path in
                    switch key {
                    case "label":
                        if let text = string(node, path), !text.isEmpty { config.severity.map.label = text }
                    case "default":
                        if let value = severity(node, path) { config.severity.map.unknown = value }
                    case "map":
                        var values: [String: Severity] = [:]
                        section(node, path: path) { key, node, path in
                            if let value = severity(node, path) { values[key] = value }
                            return true
                        }
                        config.severity.map.values = values
                    default: return false
                    }
                    return true
                }
            case "chat":
                exclusive(node, path, ["slack_signing_secret", "slack_signing_secret_file"])
                exclusive(node, path, ["token", "token_file"])
                section(node, path: path) { key, node, path in
                    switch key {
                    case "slack_signing_secret":
                        if let text = string(node, path) { config.chat.slackSigningSecret = text }
                    case "slack_signing_secret_file":
                        if let text = secretFile(node, path) { config.chat.slackSigningSecret = text }
                    case "token":
                        if let text = string(node, path) { config.chat.token = text }
                    case "token_file":
                        if let text = secretFile(node, path) { config.chat.token = text }
                    case "max_command_bytes":
                        if let value = int(node, path, min: 64) { config.chat.maxCommandBytes = value }
                    case "public_url":  // the alias of server.external_url, kept for existing configs
                        if let text = string(node, path) { externalURL(text, path) }
                    case "roles":
                        if let catalog = roles(node, path) { config.chat.roles = catalog }
                    default: return false
                    }
                    return true
                }
            case "runbooks":
                section(node, path: path) { key, node, path in
                    guard key == "path" else { return false }
                    if let text = string(node, path) { config.runbooks.path = text }
                    return true
                }
            case "postmortem":
                section(node, path: path) { key, node, path in
                    guard key == "template" else { return false }
                    if let text = string(node, path) { config.postmortem.template = text }
                    return true
                }
            case "logging":
                section(node, path: path) { key, node, path in
                    switch key {
                    case "level":
                        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                        if let text = string(node, path) {
                            if levels.contains(text), let level = Logger.Level(rawValue: text) { config.logging.level = level } else {
                                fail(path, "expected one of \(levels.joined(separator: ", "))")
                            }
                        }
                    case "format":
                        if let text = string(node, path) {
                            if let format = LineLogHandler.Format(rawValue: text) { config.logging.format = format } else {
                                fail(path, "expected logfmt or json")
                            }
                        }
                    default: return false
                    }
                    return true
                }
            case "notifications": readNotifications(node, path, into: &config.notifications)
            case "escalation": readEscalation(node, path, into: &config.escalation)
            case "alertmanager": readAlertmanager(node, path, into: &config.alertmanager)
            case "api": readAPI(node, path, into: &config.api)
            case "metrics": readMetrics(node, path, into: &config.metrics)
            default:
                return false
            }
            return true
        }
        resolveExternalURL(into: &config)
    }

    func externalURL(_ text: String, _ path: String) { externalURLs.append((path, ExternalURL(text))) }

    /// One external URL, whichever key set it; the two keys set to different URLs is an error.
    private func resolveExternalURL(into config: inout FirehouseConfig) {
        guard let first = externalURLs.first else { return }
        for other in externalURLs.dropFirst() where other.url != first.url {
            fail(other.path, "differs from \(first.path); set server.external_url only")
        }
        config.server.externalURL = first.url
    }

    // MARK: - Helpers

    func fail(_ path: String, _ message: String) {
        errors.append(ConfigError(path: path, message: message))
    }

    /// Walks a mapping; `body` returns false for a key it does not know.
    func section(_ node: Node, path: String, _ body: (String, Node, String) -> Bool) {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" {
            return  // an empty section keeps its defaults
        }
        guard let mapping = node.mapping else {
            fail(path, "expected a mapping")
            return
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let child = path.isEmpty ? key : "\(path).\(key)"
            if !body(key, value, child) { fail(child, "unknown key") }
        }
    }

    func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            fail(path, "expected a string")
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node, _ path: String, min: Int) -> Int? {
        guard let value = node.int, value >= min else {
            fail(path, "expected an integer of at least \(min)")
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ path: String) -> Bool? {
        guard let value = node.bool else {
            fail(path, "expected true or false")
            return nil
        }
        return value
    }

    /// Ten years: no setting needs more, and every sum with a clock time then stays far from Int64's end.
    static let longestDuration = TimeSpan.seconds(3650 * 86_400)

    func duration(_ node: Node, _ path: String, max: TimeSpan = ConfigReader.longestDuration) -> TimeSpan? {
        guard let text = node.string, let value = TimeSpan(parsing: text), value.nanoseconds >= 0 else {
            fail(path, "expected a duration such as 30s, 5m, 1h30m (units from longest to shortest, each once)")
            return nil
        }
        guard value <= max else {
            fail(path, "must be at most \(max.humanReadable)")
            return nil
        }
        return value
    }

    func severity(_ node: Node, _ path: String) -> Severity? {
        guard let text = node.string, let value = Severity(name: text) else {
            fail(path, "expected SEV1, SEV2, SEV3 or SEV4")
            return nil
        }
        return value
    }

    /// `roles: [{name: commander, aliases: [ic]}, ...]`; names and aliases must be unique.
    func roles(_ node: Node, _ path: String) -> RoleCatalog? {
        guard let sequence = node.sequence, !sequence.isEmpty else {
            fail(path, "expected a non-empty list of roles")
            return nil
        }
        var roles: [RoleCatalog.Role] = []
        var taken = Set<String>()
        for (index, item) in sequence.enumerated() {
            let itemPath = "\(path)[\(index)]"
            var role = RoleCatalog.Role(name: "")
            section(item, path: itemPath) { key, node, path in
                switch key {
                case "name": role.name = (string(node, path) ?? "").lowercased()
                case "aliases": role.aliases = (strings(node, path) ?? []).map { $0.lowercased() }
                default: return false
                }
                return true
            }
            guard !role.name.isEmpty, !role.name.contains(" ") else {
                fail("\(itemPath).name", "expected a role name without spaces")
                return nil
            }
            for name in [role.name] + role.aliases {
                if !taken.insert(name).inserted {
                    fail(itemPath, "\"\(name)\" is used twice")
                    return nil
                }
            }
            roles.append(role)
        }
        return RoleCatalog(roles: roles)
    }

    func strings(_ node: Node, _ path: String, what: String = "label name") -> [String]? {
        guard let sequence = node.sequence else {
            fail(path, "expected a list of \(what)s")
            return nil
        }
        var out: [String] = []
        for (index, item) in sequence.enumerated() {
            guard let text = item.string, !text.isEmpty else {
                fail("\(path)[\(index)]", "expected a \(what)")
                return nil
            }
            out.append(text)
        }
        return out
    }
}
