import FirehouseCore
@testable import FirehouseServer
import FirehousePostgres
import Foundation
import Testing
import Yams

struct ConfigTests {
    @Test func emptyFileMeansDefaults() throws {
        let config = try FirehouseConfig.parse(yaml: "").get()
        #expect(config == FirehouseConfig())
        #expect(config.server.listen.description == "127.0.0.1:9095")
        #expect(config.database.path == "./data/firehouse.sqlite")
    }

    static func repositoryFile(_ path: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../\(path)").standardized
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Every key path a YAML document sets: `a.b`, list elements as `a[].b`; `severity.map` holds
    /// the operator's own label values, so it is one key.
    static func keyPaths(_ yaml: String) throws -> Set<String> {
        var paths = Set<String>()
        func walk(_ node: Node, _ path: String) {
            if path != "severity.map", let mapping = node.mapping {
                for (key, value) in mapping { walk(value, path.isEmpty ? key.string! : "\(path).\(key.string!)") }
            } else if let sequence = node.sequence, sequence.contains(where: { $0.mapping != nil }) {
                for element in sequence { walk(element, path + "[]") }
            } else {
                paths.insert(path)
            }
        }
        if let root = try Yams.compose(yaml: yaml) { walk(root, "") }
        return paths
    }

    @Test func theDocumentedExampleParsesToTheDefaults() throws {
        // config/firehouse.yml documents every key with its default.
        let text = try Self.repositoryFile("config/firehouse.yml")
        let config = try FirehouseConfig.parse(yaml: text).get()
        #expect(config == FirehouseConfig())
    }

    /// Every key of the documented example is in the README's configuration table: its full path,
    /// or its section and name on one row (`webhook.max_alerts` / `max_labels`).
    @Test func everyKeyOfTheExampleIsDocumented() throws {
        let rows = try Self.repositoryFile("README.md").split(separator: "\n").filter { $0.hasPrefix("| `") }
        for path in try Self.keyPaths(Self.repositoryFile("config/firehouse.yml")) {
            let plain = path.replacingOccurrences(of: "[]", with: "")
            let section = plain.split(separator: ".").dropLast().joined(separator: ".")
            let leaf = plain.split(separator: ".").last.map(String.init) ?? plain
            let documented = rows.contains { row in
                let cell = row.split(separator: "|").first.map(String.init) ?? ""
                return cell.contains("`\(plain)`") || (cell.contains("`\(section).") && cell.contains(leaf))
                    || (section.contains(".") && cell.contains("`\(section)`"))
            }
            #expect(documented, "\(path) is in config/firehouse.yml but not in the README's configuration table")
        }
    }

    @Test func everyKeyIsRead() throws {
        let yaml = """
        server: {listen: "0.0.0.0:8080", max_body_bytes: 4096, max_api_body_bytes: 2048, idle_timeout: 7s, shutdown_delay: 3s,
                 grace_period: 9s, allow_unauthenticated: true, external_url: "https://fh.example/"}
        database: {path: /tmp/x.sqlite, busy_timeout: 2s, checkpoint_interval: 1s, url: "postgres://fh@db.example:6432/incidents?sslmode=verify-full",
                   password: pw, ca_file: /etc/ca.pem, max_connections: 4, replica: pod-a}
        webhook: {bearer_token: tok, receivers: [team], max_alerts: 50, max_labels: 20, max_label_value_bytes: 100,
                  max_annotation_value_bytes: 200}
        api: {tokens: [{name: ci, token: "0123456789abcdef", scopes: [write]}]}
        metrics: {bearer_token: scrape}
        correlation: {group_by: [alertname, cluster], reopen_window: 1h, auto_resolve: false}
        severity: {label: level, default: SEV2, map: {p1: SEV1}}
        runbooks: {path: /rb, reload_interval: 2m}
        logging: {level: debug, format: json}
        chat: {token: t, max_command_bytes: 500, reply_deadline: 1s, platform: slack, public_url: "https://fh.example", roles: [{name: Lead, aliases: [l]}, {name: scribe}],
               slack_bot_token: xoxb-1, slack_api_url: "http://127.0.0.1:9/api/"}
        notifications:
          targets:
            - {name: chat, kind: mattermost, url: "https://mm.example/hooks/x"}
            - {name: pager, kind: webhook, url_env: PAGER_URL, events: [escalated], secret_env: PAGER_SECRET}
          max_attempts: 4
          initial_backoff: 2s
          max_backoff: 1m
          timeout: 3s
          retention: 7d
          digest: {threshold: 3, window: 2m, gather: 1s}
        escalation: {after: 10m, min_severity: SEV2, repeat: 30m, check_interval: 5s}
        alertmanager: {url: "http://am:9093/", timeout: 4s}
        ui: {enabled: false, trusted_user_header: X-Auth-User, trusted_proxies: [10.1.0.0/16], proxy_scope: admin, session_ttl: 2h,
             poll_interval: 5s}
        slo:
          impact_end: resolved
          services:
            - {service: checkout, objective: 99.95, window: 7d, match: ['alertname=~"Checkout.*"']}
            - {service: search, objective: 99}
        drills: {label: gameday, value: "yes"}
        heartbeat: {alertname: Watchdog, timeout: 10m, check_interval: 1m}
        """
        // The other side of each pair of mutually exclusive keys.
        let alternatives = """
        webhook: {basic_auth: {username: u, password: p}}
        chat: {slack_signing_secret: s}
        """
        // Sets every key the documented example has (the *_file and *_env twins: ConfigAccessTests).
        let set = try Self.keyPaths(yaml).union(Self.keyPaths(alternatives))
        let missing = try Self.keyPaths(Self.repositoryFile("config/firehouse.yml")).filter { example in
            !set.contains { $0 == example || $0.hasPrefix(example + "[]") || $0.hasPrefix(example + ".") }
        }
        #expect(missing.isEmpty, "everyKeyIsRead does not set \(missing.sorted())")
        let c = try FirehouseConfig.parse(yaml: yaml).get()
        #expect(c.server.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(c.server.maxBodyBytes == 4096 && c.server.maxAPIBodyBytes == 2048 && c.server.allowUnauthenticated)
        #expect(c.server.idleTimeout == .seconds(7) && c.server.shutdownDelay == .seconds(3) && c.server.gracePeriod == .seconds(9))
        #expect(c.webhook.receivers == ["team"])
        #expect(c.webhook.limits == PayloadLimits(maxAlerts: 50, maxLabels: 20, maxLabelValueBytes: 100, maxAnnotationValueBytes: 200))
        #expect(c.api.tokens.map(\.name) == ["ci"] && c.api.tokens[0].scopes == [.write] && c.api.tokens[0].token == "0123456789abcdef")
        #expect(c.metrics.bearerToken == "scrape")
        let other = try FirehouseConfig.parse(yaml: alternatives).get()
        #expect(other.webhook.basicUsername == "u" && other.webhook.basicPassword == "p")
        #expect(other.chat.slackSigningSecret == "s")
        #expect(c.database.path == "/tmp/x.sqlite" && c.database.busyTimeout == .seconds(2))
        #expect(c.database.checkpointInterval == .seconds(1))
        #expect(try c.database.backend() == .postgres(PostgresOptions(
            host: "db.example", port: 6432, username: "fh", password: "pw", database: "incidents", tls: .verifyFull,
            caFile: "/etc/ca.pem", maxConnections: 4, replica: "pod-a")))
        #expect(c.webhook.bearerToken == "tok")
        #expect(c.correlationConfig.groupBy == ["alertname", "cluster"])
        #expect(c.correlation.reopenWindow == .minutes(60) && !c.correlation.autoResolve)
        #expect(c.severity.map == SeverityMap(label: "level", values: ["p1": .sev1], unknown: .sev2))
        #expect(c.runbooks.path == "/rb" && c.runbooks.reloadInterval == .minutes(2) && c.logging.level == .debug && c.logging.format == .json)
        #expect(c.chat.token == "t" && c.chat.maxCommandBytes == 500 && c.server.externalURL == ExternalURL("https://fh.example"))
        #expect(c.chat.roles == RoleCatalog(roles: [.init(name: "lead", aliases: ["l"]), .init(name: "scribe")]))
        #expect(c.notifications.targets.map(\.name) == ["chat", "pager"])
        #expect(c.notifications.targets[0].kind == .mattermost && c.notifications.targets[0].events == Set(OutboundEvent.allCases))
        #expect(c.notifications.targets[1].urlEnv == "PAGER_URL" && c.notifications.targets[1].events == [.escalated])
        #expect(c.notifications.policy == DeliveryPolicy(maxAttempts: 4, initialBackoff: .seconds(2), maxBackoff: .minutes(1)))
        #expect(c.notifications.timeout == .seconds(3) && c.notifications.retention == .seconds(7 * 86_400))
        #expect(c.notifications.digest == StormDigest(threshold: 3, window: .minutes(2), gather: .seconds(1)))
        #expect(c.slo.impactEnd == .resolved && c.slo.services.map(\.service) == ["checkout", "search"])
        #expect(c.slo.services[0].objective == 99.95 && c.slo.services[0].window == .seconds(7 * 86_400))
        #expect(c.slo.services[0].match.map(\.description) == [#"alertname=~"Checkout.*""#])
        #expect(c.slo.services[1].window == .seconds(30 * 86_400) && c.slo.services[1].match.map(\.description) == [#"service="search""#])
        #expect(c.correlationConfig.drillLabel == "gameday" && c.correlationConfig.drillValue == "yes")
        #expect(c.heartbeat.heartbeat == Heartbeat(alertname: "Watchdog", timeout: .minutes(10)) && c.heartbeat.checkInterval == .minutes(1))
        #expect(c.chat.slackBotToken == "xoxb-1" && c.chat.slackAPIURL == "http://127.0.0.1:9/api")
        #expect(c.escalation.policy == EscalationPolicy(after: .minutes(10), minSeverity: .sev2, repeatEvery: .minutes(30)))
        #expect(c.escalation.checkInterval == .seconds(5))
        #expect(c.alertmanager.url == "http://am:9093" && c.alertmanager.timeout == .seconds(4))
        #expect(c.chat.replyDeadline == .seconds(1) && c.chat.platform == .slack && c.chat.dialect == .slack)
        #expect(!c.ui.enabled && c.ui.trustedUserHeader == "X-Auth-User" && c.ui.trustedProxies == ["10.1.0.0/16"])
        #expect(c.ui.proxyScope == .admin && c.ui.sessionTTL == .hours(2) && c.ui.pollInterval == .seconds(5))
        // Secrets named by *_env come from the environment; a missing one is a problem.
        var resolved = c
        resolved.applyEnvironment(["PAGER_URL": "https://pager.example/x", "PAGER_SECRET": "k"])
        #expect(resolved.notifications.targets[1].url == "https://pager.example/x" && resolved.notifications.targets[1].secret == "k")
        #expect(resolved.validate().isEmpty)
        var unresolved = c
        unresolved.applyEnvironment([:])
        #expect(unresolved.validate().map(\.path) == ["notifications.targets[1].url_env", "notifications.targets[1].secret_env"])
    }

    @Test(arguments: [
        ("server: {listen: nowhere}", "server.listen"),
        ("server: {max_body_bytes: -1}", "server.max_body_bytes"),
        ("correlation: {reopen_window: soon}", "correlation.reopen_window"),
        ("correlation: {auto_resolve: maybe}", "correlation.auto_resolve"),
        ("correlation: {group_by: alertname}", "correlation.group_by"),
        ("severity: {map: {critical: P1}}", "severity.map.critical"),
        ("correlaton: {}", "correlaton"),
        ("server: {lisen: x}", "server.lisen"),
        ("logging: {level: loud}", "logging.level"),
        ("server: [1, 2]", "server"),
        ("database: {checkpoint_interval: 1ms}", "database.checkpoint_interval"),
        ("chat: {roles: []}", "chat.roles"),
        ("chat: {roles: [{name: ic}, {name: x, aliases: [ic]}]}", "chat.roles[1]"),
        ("chat: {roles: [{name: ic, nam: x}]}", "chat.roles[0].nam"),
        ("chat: {max_command_bytes: 1}", "chat.max_command_bytes"),
        ("notifications: {targets: [{name: a, url: ftp://x}]}", "notifications.targets[0].url"),
        ("notifications: {targets: [{name: a, url: \"https://x.example\", kind: pagerduty}]}", "notifications.targets[0].kind"),
        ("notifications: {targets: [{name: a, url: \"https://x.example\", events: [paged]}]}", "notifications.targets[0].events[0]"),
        ("notifications: {targets: [{name: a}]}", "notifications.targets[0]"),
        ("notifications: {targets: [{url: \"https://x.example\"}]}", "notifications.targets[0].name"),
        ("notifications: {targets: [{name: a, url: \"https://x.example\"}, {name: a, url: \"https://y.example\"}]}",
         "notifications.targets[1].name"),
        ("notifications: {initial_backoff: 1m, max_backoff: 1s}", "notifications.max_backoff"),
        ("notifications: {max_attempts: 0}", "notifications.max_attempts"),
        ("notifications: {targets: [{name: a, kind: teams, channel: C1}]}", "notifications.targets[0].channel"),
        ("notifications: {targets: [{name: a, channel: C1, url: \"https://x.example\"}]}", "notifications.targets[0]"),
        ("notifications: {digest: {threshold: -1}}", "notifications.digest.threshold"),
        ("notifications: {digest: {window: 0s}}", "notifications.digest.window"),
        ("chat: {slack_api_url: slack.com}", "chat.slack_api_url"),
        ("slo: {services: [{service: a, objective: 100}]}", "slo.services[0].objective"),
        ("slo: {services: [{service: a}]}", "slo.services[0].objective"),
        ("slo: {services: [{objective: 99}]}", "slo.services[0].service"),
        ("slo: {services: [{service: a, objective: 99, match: ['a=~\"(\"']}]}", "slo.services[0].match[0]"),
        ("slo: {services: [{service: a, objective: 99, window: 10m}]}", "slo.services[0].window"),
        ("slo: {impact_end: never}", "slo.impact_end"),
        ("heartbeat: {timeout: 5s}", "heartbeat.timeout"),
        ("escalation: {min_severity: high}", "escalation.min_severity"),
        ("alertmanager: {url: am:9093}", "alertmanager.url"),
    ])
    func problemsNameTheKeyPath(yaml: String, path: String) {
        guard case .failure(let errors) = FirehouseConfig.parse(yaml: yaml) else {
            Issue.record("\(yaml) was accepted")
            return
        }
        #expect(errors.errors.map(\.path) == [path])
    }

    /// `server.external_url` and its older alias `chat.public_url` set one URL; both at once must agree.
    @Test(arguments: [
        ("server: {external_url: \"https://fh.example/\"}", "https://fh.example", nil),
        ("chat: {public_url: \"https://fh.example\"}", "https://fh.example", nil),
        ("server: {external_url: \"https://a.example\"}\nchat: {public_url: \"https://a.example/\"}", "https://a.example", nil),
        ("server: {external_url: \"https://a.example\"}\nchat: {public_url: \"https://b.example\"}", nil,
         "chat.public_url: differs from server.external_url; set server.external_url only"),
        ("server: {external_url: \"fh.example\"}", nil, "server.external_url: must be an http:// or https:// URL"),
    ] as [(String, String?, String?)])
    func externalURLAndItsAlias(yaml: String, url: String?, error: String?) throws {
        switch FirehouseConfig.parse(yaml: yaml) {
        case .success(let config):
            #expect(error == nil)
            #expect(config.server.externalURL.base == url)
            #expect(config.server.externalURL.incident(3) == url.map { "\($0)/api/v1/incidents/3" })
        case .failure(let failure):
            #expect("\(failure)".contains(error ?? "no error expected"), "\(failure)")
        }
    }

    @Test func allProblemsAreReportedAtOnce() {
        guard case .failure(let errors) = FirehouseConfig.parse(yaml: "server: {listen: x, max_body_bytes: 1}\nfoo: 1") else {
            Issue.record("accepted")
            return
        }
        #expect(Set(errors.errors.map(\.path)) == ["server.listen", "server.max_body_bytes", "foo"])
    }

    @Test func secretsComeFromTheEnvironment() {
        var config = FirehouseConfig()
        config.applyEnvironment(["FIREHOUSE_WEBHOOK_TOKEN": "from-env"])
        #expect(config.webhook.bearerToken == "from-env")
        #expect(config.validate().isEmpty)
        config.webhook.basicUsername = "u"
        #expect(config.validate().map(\.path) == ["webhook", "webhook.basic_auth"])
        var chat = FirehouseConfig()
        chat.applyEnvironment(["FIREHOUSE_SLACK_SIGNING_SECRET": "s", "FIREHOUSE_CHAT_TOKEN": "t"])
        #expect(chat.chat.slackSigningSecret == "s" && chat.chat.token == "t")
        #expect(chat.validate().map(\.path) == ["chat"])
    }

    @Test func aChannelTargetNeedsTheBotToken() throws {
        var config = try FirehouseConfig.parse(yaml: """
            chat: {slack_bot_token_env: BOT}
            notifications: {targets: [{name: app, kind: slack, channel: C0123}]}
            """).get()
        #expect(config.notifications.targets[0].channel == "C0123" && config.notifications.targets[0].url.isEmpty)
        config.applyEnvironment([:])
        #expect(config.validate().map(\.path) == ["notifications.targets[0].channel"])
        config.applyEnvironment(["BOT": "xoxb-env"])
        #expect(config.chat.slackBotToken == "xoxb-env" && config.validate().isEmpty)
        var fromDefault = try FirehouseConfig.parse(yaml: "notifications: {targets: [{name: app, kind: slack, channel: C1}]}").get()
        fromDefault.applyEnvironment(["FIREHOUSE_SLACK_BOT_TOKEN": "xoxb-default"])
        #expect(fromDefault.chat.slackBotToken == "xoxb-default" && fromDefault.validate().isEmpty)
    }

    @Test(arguments: [("127.0.0.1:9095", "127.0.0.1", 9095), (":80", "0.0.0.0", 80), ("[::1]:9", "::1", 9)])
    func listenAddresses(text: String, host: String, port: Int) {
        #expect(ListenAddress(text) == ListenAddress(host: host, port: port))
    }
}
