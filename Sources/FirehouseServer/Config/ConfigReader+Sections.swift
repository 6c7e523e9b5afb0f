import FirehouseCore
import Logging
import Yams

/// One reader per section of the core settings (the others are in `ConfigReader+Operations`).
extension ConfigReader {
    func readServer(_ node: Node, _ path: String, into server: inout FirehouseConfig.Server) {
        section(node, path: path) { key, node, path in
            switch key {
            case "listen":
                if let text = string(node, path), let address = ListenAddress(text) {
                    server.listen = address
                } else { fail(path, "expected host:port, e.g. 127.0.0.1:9095") }
            case "max_body_bytes":
                if let value = int(node, path, min: 1024) { server.maxBodyBytes = value }
            case "max_api_body_bytes":
                if let value = int(node, path, min: 1024) { server.maxAPIBodyBytes = value }
            case "idle_timeout":
                if let value = positiveDuration(node, path) { server.idleTimeout = value }
            case "shutdown_delay":
                if let value = duration(node, path) { server.shutdownDelay = value }
            case "grace_period":
                if let value = duration(node, path) { server.gracePeriod = value }
            case "allow_unauthenticated":
                if let value = bool(node, path) { server.allowUnauthenticated = value }
            case "external_url":
                if let text = string(node, path) { externalURL(text, path) }
            default: return false
            }
            return true
        }
    }

    func readDatabase(_ node: Node, _ path: String, into database: inout FirehouseConfig.DatabaseSection) {
        exclusive(node, path, ["password", "password_file"])
        section(node, path: path) { key, node, path in
            switch key {
            case "path":
                if let text = string(node, path), !text.isEmpty { database.path = text } else if errors.last?.path != path { fail(path, "must not be empty") }
            case "busy_timeout":
                // SQLite takes milliseconds as a C int.
                if let value = duration(node, path, max: .hours(24)) { database.busyTimeout = value }
            case "url":
                if let text = string(node, path) {
                    database.url = text
                    do { _ = try database.backend() } catch let error as ConfigError { fail(path, error.message) } catch { fail(path, "\(error)") }
                }
            case "password":
                if let text = string(node, path) { database.password = text }
            case "password_file":
                if let text = secretFile(node, path) { database.password = text }
            case "ca_file":
                if let text = string(node, path) { database.caFile = text }
            case "max_connections":
                if let value = int(node, path, min: 1) { database.maxConnections = value }
            case "replica":
                if let text = string(node, path) { database.replica = text }
            case "checkpoint_interval":
                if let value = duration(node, path) {
                    if value.nanoseconds >= 10_000_000 { database.checkpointInterval = value } else {
                        fail(path, "must be at least 10ms")
                    }
                }
            default: return false
            }
            return true
        }
    }

    func readWebhook(_ node: Node, _ path: String, into webhook: inout FirehouseConfig.Webhook) {
        exclusive(node, path, ["bearer_token", "bearer_token_file"])
        section(node, path: path) { key, node, path in
            switch key {
            case "bearer_token":
                if let text = string(node, path) { webhook.bearerToken = text }
            case "bearer_token_file":
                if let text = secretFile(node, path) { webhook.bearerToken = text }
            case "receivers":
                if let list = strings(node, path, what: "receiver name") { webhook.receivers = list }
            case "max_alerts":
                if let value = int(node, path, min: 1) { webhook.limits.maxAlerts = value }
            case "max_labels":
                if let value = int(node, path, min: 1) { webhook.limits.maxLabels = value }
            case "max_label_value_bytes":
                if let value = int(node, path, min: 1) { webhook.limits.maxLabelValueBytes = value }
            case "max_annotation_value_bytes":
                if let value = int(node, path, min: 1) { webhook.limits.maxAnnotationValueBytes = value }
            case "basic_auth":
                exclusive(node, path, ["password", "password_file"])
                section(node, path: path) { key, node, path in
                    switch key {
                    case "username": if let text = string(node, path) { webhook.basicUsername = text }
                    case "password": if let text = string(node, path) { webhook.basicPassword = text }
                    case "password_file": if let text = secretFile(node, path) { webhook.basicPassword = text }
                    default: return false
                    }
                    return true
                }
            default: return false
            }
            return true
        }
    }

    func readCorrelation(_ node: Node, _ path: String, into correlation: inout FirehouseConfig.Correlation) {
        section(node, path: path) { key, node, path in
            switch key {
            case "group_by":
                if let list = strings(node, path) { correlation.groupBy = list }
            case "reopen_window":
                if let value = duration(node, path) { correlation.reopenWindow = value }
            case "auto_resolve":
                if let value = bool(node, path) { correlation.autoResolve = value }
            default: return false
            }
            return true
        }
    }

    func readSeverity(_ node: Node, _ path: String, into severityConfig: inout FirehouseConfig.SeveritySection) {
        section(node, path: path) { key, node, path in
            switch key {
            case "label":
                if let text = string(node, path), !text.isEmpty { severityConfig.map.label = text }
            case "default":
                if let value = severity(node, path) { severityConfig.map.unknown = value }
            case "map":
                var values: [String: Severity] = [:]
                section(node, path: path) { key, node, path in
                    if let value = severity(node, path) { values[key] = value }
                    return true
                }
                severityConfig.map.values = values
            default: return false
            }
            return true
        }
    }

    func readChat(_ node: Node, _ path: String, into chat: inout FirehouseConfig.Chat) {
        exclusive(node, path, ["slack_signing_secret", "slack_signing_secret_file"])
        exclusive(node, path, ["token", "token_file"])
        exclusive(node, path, ["slack_bot_token", "slack_bot_token_env", "slack_bot_token_file"])
        section(node, path: path) { key, node, path in
            switch key {
            case "slack_signing_secret":
                if let text = string(node, path) { chat.slackSigningSecret = text }
            case "slack_signing_secret_file":
                if let text = secretFile(node, path) { chat.slackSigningSecret = text }
            case "token":
                if let text = string(node, path) { chat.token = text }
            case "token_file":
                if let text = secretFile(node, path) { chat.token = text }
            case "max_command_bytes":
                if let value = int(node, path, min: 64) { chat.maxCommandBytes = value }
            case "public_url":  // the alias of server.external_url, kept for existing configs
                if let text = string(node, path) { externalURL(text, path) }
            case "roles":
                if let catalog = roles(node, path) { chat.roles = catalog }
            case "platform":
                if let text = string(node, path) {
                    switch text {
                    case "", "auto": chat.platform = nil
                    case "slack": chat.platform = .slack
                    case "mattermost": chat.platform = .mattermost
                    default: fail(path, "expected auto, slack or mattermost")
                    }
                }
            case "slack_bot_token":
                if let text = string(node, path) { chat.slackBotToken = text }
            case "slack_bot_token_env":
                if let text = string(node, path) { chat.slackBotTokenEnv = text }
            case "slack_bot_token_file":
                if let text = secretFile(node, path) { chat.slackBotToken = text }
            case "slack_api_url":
                if let text = string(node, path) {
                    if Self.isHTTPURL(text) { chat.slackAPIURL = text.hasSuffix("/") ? String(text.dropLast()) : text } else { fail(path, "expected an http:// or https:// URL") }
                }
            case "reply_deadline":
                if let value = duration(node, path) {
                    if value <= .seconds(3) { chat.replyDeadline = value } else { fail(path, "must be at most 3s (Slack's own deadline)") }
                }
            default: return false
            }
            return true
        }
    }

    func readRunbooks(_ node: Node, _ path: String, into runbooks: inout FirehouseConfig.Runbooks) {
        section(node, path: path) { key, node, path in
            switch key {
            case "path":
                if let text = string(node, path) { runbooks.path = text }
            case "reload_interval":
                if let value = duration(node, path) { runbooks.reloadInterval = value }
            default: return false
            }
            return true
        }
    }

    func readPostmortem(_ node: Node, _ path: String, into postmortem: inout FirehouseConfig.Postmortem) {
        section(node, path: path) { key, node, path in
            guard key == "template" else { return false }
            if let text = string(node, path) { postmortem.template = text }
            return true
        }
    }

    func readLogging(_ node: Node, _ path: String, into logging: inout FirehouseConfig.Logging) {
        section(node, path: path) { key, node, path in
            switch key {
            case "level":
                let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
                if let text = string(node, path) {
                    if levels.contains(text), let level = Logger.Level(rawValue: text) { logging.level = level } else {
                        fail(path, "expected one of \(levels.joined(separator: ", "))")
                    }
                }
            case "format":
                if let text = string(node, path) {
                    if let format = LineLogHandler.Format(rawValue: text) { logging.format = format } else {
                        fail(path, "expected logfmt or json")
                    }
                }
            default: return false
            }
            return true
        }
    }
}
