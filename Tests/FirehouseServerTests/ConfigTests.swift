import FirehouseCore
@testable import FirehouseServer
import Foundation
import Testing

struct ConfigTests {
    @Test func emptyFileMeansDefaults() throws {
        let config = try FirehouseConfig.parse(yaml: "").get()
        #expect(config == FirehouseConfig())
        #expect(config.server.listen.description == "127.0.0.1:9095")
        #expect(config.database.path == "./data/firehouse.sqlite")
    }

    @Test func theDocumentedExampleParsesToTheDefaults() throws {
        // config/firehouse.yml documents every key with its default.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../config/firehouse.yml").standardized
        let text = try String(contentsOf: url, encoding: .utf8)
        let config = try FirehouseConfig.parse(yaml: text).get()
        #expect(config == FirehouseConfig())
    }

    @Test func everyKeyIsRead() throws {
        let yaml = """
        server: {listen: "0.0.0.0:8080", max_body_bytes: 4096, allow_unauthenticated: true}
        database: {path: /tmp/x.sqlite, busy_timeout: 2s, checkpoint_interval: 1s}
        webhook: {bearer_token: tok}
        correlation: {group_by: [alertname, cluster], reopen_window: 1h, auto_resolve: false}
        severity: {label: level, default: SEV2, map: {p1: SEV1}}
        runbooks: {path: /rb}
        logging: {level: debug, format: json}
        chat: {token: t, max_command_bytes: 500, public_url: "https://fh.example/", roles: [{name: Lead, aliases: [l]}, {name: scribe}]}
        notifications:
          targets:
            - {name: chat, kind: mattermost, url: "https://mm.example/hooks/x"}
            - {name: pager, kind: webhook, url_env: PAGER_URL, events: [escalated], secret_env: PAGER_SECRET}
          max_attempts: 4
          initial_backoff: 2s
          max_backoff: 1m
          timeout: 3s
          retention: 7d
        escalation: {after: 10m, min_severity: SEV2, repeat: 30m, check_interval: 5s}
        alertmanager: {url: "http://am:9093/", timeout: 4s}
        """
        let c = try FirehouseConfig.parse(yaml: yaml).get()
        #expect(c.server.listen == ListenAddress(host: "0.0.0.0", port: 8080))
        #expect(c.server.maxBodyBytes == 4096 && c.server.allowUnauthenticated)
        #expect(c.database.path == "/tmp/x.sqlite" && c.database.busyTimeout == .seconds(2))
        #expect(c.database.checkpointInterval == .seconds(1))
        #expect(c.webhook.bearerToken == "tok")
        #expect(c.correlationConfig.groupBy == ["alertname", "cluster"])
        #expect(c.correlation.reopenWindow == .minutes(60) && !c.correlation.autoResolve)
        #expect(c.severity.map == SeverityMap(label: "level", values: ["p1": .sev1], unknown: .sev2))
        #expect(c.runbooks.path == "/rb" && c.logging.level == "debug" && c.logging.format == "json")
        #expect(c.chat.token == "t" && c.chat.maxCommandBytes == 500 && c.chat.publicURL == "https://fh.example")
        #expect(c.chat.roles == RoleCatalog(roles: [.init(name: "lead", aliases: ["l"]), .init(name: "scribe")]))
        #expect(c.notifications.targets.map(\.name) == ["chat", "pager"])
        #expect(c.notifications.targets[0].kind == .mattermost && c.notifications.targets[0].events == Set(OutboundEvent.allCases))
        #expect(c.notifications.targets[1].urlEnv == "PAGER_URL" && c.notifications.targets[1].events == [.escalated])
        #expect(c.notifications.policy == DeliveryPolicy(maxAttempts: 4, initialBackoff: .seconds(2), maxBackoff: .minutes(1)))
        #expect(c.notifications.timeout == .seconds(3) && c.notifications.retention == .seconds(7 * 86_400))
        #expect(c.escalation.policy == EscalationPolicy(after: .minutes(10), minSeverity: .sev2, repeatEvery: .minutes(30)))
        #expect(c.escalation.checkInterval == .seconds(5))
        #expect(c.alertmanager.url == "http://am:9093" && c.alertmanager.timeout == .seconds(4))
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
        ("notifications: {targets: [{name: a, url: \"https://x.example\", kind: teams}]}", "notifications.targets[0].kind"),
        ("notifications: {targets: [{name: a, url: \"https://x.example\", events: [paged]}]}", "notifications.targets[0].events[0]"),
        ("notifications: {targets: [{name: a}]}", "notifications.targets[0]"),
        ("notifications: {targets: [{url: \"https://x.example\"}]}", "notifications.targets[0].name"),
        ("notifications: {targets: [{name: a, url: \"https://x.example\"}, {name: a, url: \"https://y.example\"}]}",
         "notifications.targets[1].name"),
        ("notifications: {initial_backoff: 1m, max_backoff: 1s}", "notifications.max_backoff"),
        ("notifications: {max_attempts: 0}", "notifications.max_attempts"),
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

    @Test(arguments: [("127.0.0.1:9095", "127.0.0.1", 9095), (":80", "0.0.0.0", 80), ("[::1]:9", "::1", 9)])
    func listenAddresses(text: String, host: String, port: Int) {
        #expect(ListenAddress(text) == ListenAddress(host: host, port: port))
    }
}
