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
            case "server": readServer(node, path, into: &config.server)
            case "database": readDatabase(node, path, into: &config.database)
            case "webhook": readWebhook(node, path, into: &config.webhook)
            case "correlation": readCorrelation(node, path, into: &config.correlation)
            case "severity": readSeverity(node, path, into: &config.severity)
            case "chat": readChat(node, path, into: &config.chat)
            case "runbooks": readRunbooks(node, path, into: &config.runbooks)
            case "postmortem": readPostmortem(node, path, into: &config.postmortem)
            case "logging": readLogging(node, path, into: &config.logging)
            case "notifications": readNotifications(node, path, into: &config.notifications)
            case "escalation": readEscalation(node, path, into: &config.escalation)
            case "alertmanager": readAlertmanager(node, path, into: &config.alertmanager)
            case "api": readAPI(node, path, into: &config.api)
            case "metrics": readMetrics(node, path, into: &config.metrics)
            case "ui": readUI(node, path, into: &config.ui)
            case "slo": readSLO(node, path, into: &config.slo)
            case "drills": readDrills(node, path, into: &config.drills)
            case "heartbeat": readHeartbeat(node, path, into: &config.heartbeat)
            default:
                return false
            }
            return true
        }
        resolveExternalURL(into: &config)
    }

    func externalURL(_ text: String, _ path: String) {
        // Every link starts with it, and whether it names another host decides what must be authenticated.
        guard text.isEmpty || Self.isHTTPURL(text) else { return fail(path, "must be an http:// or https:// URL (or empty: no links)") }
        externalURLs.append((path, ExternalURL(text)))
    }

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
