import FirehouseCore
@testable import FirehouseServer
import Testing

/// `api.tokens`, `metrics`, secrets from files, and the refusal to listen unauthenticated off loopback.
struct ConfigAccessTests {
    static let files = [
        "/run/secrets/api": "file-token-0123456789abcdef\n",
        "/run/secrets/hook": "hook-secret\r\n",
        "/run/secrets/pass": "pa55",
        "/run/secrets/slack": "slack-signing\n",
        "/run/secrets/chat": "chat-token",
        "/run/secrets/bot": "xoxb-file\n",
        "/run/secrets/metrics": "scrape-token\n",
        "/run/secrets/url": "https://hooks.example.com/x\n",
        "/run/secrets/sig": "hmac-key",
        "/run/secrets/empty": "\n",
    ]

    static func parse(_ yaml: String) -> Result<FirehouseConfig, ConfigProblems> {
        FirehouseConfig.parse(yaml: yaml, readFile: { files[$0] })
    }

    @Test func tokensAndEverySecretFromAFile() throws {
        let c = try Self.parse("""
        api:
          tokens:
            - {name: grafana, token: inline-token-0123456789ab, scopes: [read]}
            - {name: ops, token_file: /run/secrets/api, scopes: [write]}
            - {name: ci, token_env: CI_TOKEN, scopes: [admin, read]}
        metrics: {bearer_token_file: /run/secrets/metrics}
        webhook: {bearer_token_file: /run/secrets/hook}
        chat: {slack_signing_secret_file: /run/secrets/slack}
        notifications:
          targets:
            - {name: chat, kind: slack, url_file: /run/secrets/url}
            - {name: hooks, kind: webhook, url: "https://example.com/h", secret_file: /run/secrets/sig}
        """).get()
        #expect(c.api.tokens.map(\.name) == ["grafana", "ops", "ci"])
        #expect(c.api.tokens[0].token == "inline-token-0123456789ab" && c.api.tokens[0].scopes == [.read])
        #expect(c.api.tokens[1].token == "file-token-0123456789abcdef")
        #expect(c.api.tokens[2].tokenEnv == "CI_TOKEN" && c.api.tokens[2].scopes == [.admin, .read])
        #expect(c.metrics.bearerToken == "scrape-token")
        #expect(c.webhook.bearerToken == "hook-secret")
        #expect(c.chat.slackSigningSecret == "slack-signing")
        #expect(c.notifications.targets[0].url == "https://hooks.example.com/x")
        #expect(c.notifications.targets[1].secret == "hmac-key")
        var resolved = c
        resolved.applyEnvironment(["CI_TOKEN": "env-token-0123456789abcdef"])
        #expect(resolved.api.tokens[2].token == "env-token-0123456789abcdef")
        #expect(resolved.validate().isEmpty)
        var unresolved = c
        unresolved.applyEnvironment([:])
        #expect(unresolved.validate().map(\.path) == ["api.tokens[2].token_env"])

        let basic = try Self.parse("webhook: {basic_auth: {username: am, password_file: /run/secrets/pass}}\nchat: {token_file: /run/secrets/chat}").get()
        #expect(basic.webhook.basicPassword == "pa55" && basic.chat.token == "chat-token")
        let bot = try Self.parse("chat: {slack_bot_token_file: /run/secrets/bot}").get()
        #expect(bot.chat.slackBotToken == "xoxb-file")
    }

    @Test(arguments: [
        ("api: {tokens: [{name: a, scopes: [read]}]}", "api.tokens[0]"),
        ("api: {tokens: [{name: a, token: 0123456789abcdefXX, token_env: X, scopes: [read]}]}", "api.tokens[0]"),
        ("api: {tokens: [{name: a, token: 0123456789abcdefXX}]}", "api.tokens[0].scopes"),
        ("api: {tokens: [{name: a, token: 0123456789abcdefXX, scopes: []}]}", "api.tokens[0].scopes"),
        ("api: {tokens: [{name: a, token: 0123456789abcdefXX, scopes: [root]}]}", "api.tokens[0].scopes[0]"),
        ("api: {tokens: [{name: a, token: short, scopes: [read]}]}", "api.tokens[0].token"),
        ("api: {tokens: [{name: a, token_file: /run/secrets/pass, scopes: [read]}]}", "api.tokens[0].token_file"),
        ("api: {tokens: [{name: 'two words', token: 0123456789abcdefXX, scopes: [read]}]}", "api.tokens[0].name"),
        ("api: {tokens: [{token: 0123456789abcdefXX, scopes: [read]}]}", "api.tokens[0].name"),
        ("api: {tokens: [{name: a, token: 0123456789abcdefXX, scopes: [read]}, {name: a, token: 0123456789abcdefYY, scopes: [read]}]}", "api.tokens[1].name"),
        ("api: {tokens: [{name: a, token_file: /nope, scopes: [read]}]}", "api.tokens[0].token_file"),
        ("api: {tokens: [{name: a, token_file: /run/secrets/empty, scopes: [read]}]}", "api.tokens[0].token_file"),
        ("api: {tokens: [{name: a, token: 0123456789abcdefXX, scopes: [read], role: x}]}", "api.tokens[0].role"),
        ("api: {keys: []}", "api.keys"),
        ("metrics: {bearer_token: a, bearer_token_file: /run/secrets/metrics}", "metrics.bearer_token_file"),
        ("webhook: {bearer_token: a, bearer_token_file: /run/secrets/hook}", "webhook.bearer_token_file"),
        ("chat: {token: a, token_file: /run/secrets/chat}", "chat.token_file"),
        ("chat: {slack_bot_token: a, slack_bot_token_file: /run/secrets/bot}", "chat.slack_bot_token_file"),
        ("server: {allow_unauthenticated: perhaps}", "server.allow_unauthenticated"),
        ("database: {busy_timeout: 25d}", "database.busy_timeout"),
        ("notifications: {max_backoff: 100000d}", "notifications.max_backoff"),
        ("correlation: {reopen_window: 30m1h}", "correlation.reopen_window"),
        ("notifications: {targets: [{name: c, url: 'https://a.example/x', url_file: /run/secrets/url}]}", "notifications.targets[0]"),
    ])
    func badAccessConfigNamesTheKey(_ yaml: String, _ path: String) {
        guard case .failure(let problems) = Self.parse(yaml) else {
            Issue.record("accepted: \(yaml)")
            return
        }
        #expect(problems.errors.map(\.path).contains(path), "\(problems.errors)")
    }

    @Test func twoTokensMayNotShareASecret() throws {
        let c = try Self.parse("""
        api: {tokens: [{name: a, token: same-0123456789abcdef, scopes: [read]}, {name: b, token: same-0123456789abcdef, scopes: [admin]}]}
        """).get()
        #expect(c.validate().map(\.path) == ["api.tokens"])
    }

    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("::1", true), ("0.0.0.0", false), ("::", false),
        ("10.0.0.5", false), ("firehouse.example.com", false), ("127.0.0.256", false), ("127.evil.com", false),
        ("app.localhost", true), ("localhost.evil.com", false),
    ])
    func loopback(_ host: String, _ expected: Bool) {
        #expect(ListenAddress(host: host, port: 9095).isLoopback == expected)
    }

    /// Off loopback every surface must check a credential, unless the operator says otherwise.
    @Test func anOpenNonLoopbackListenIsRefusedUnlessAllowed() throws {
        var config = FirehouseConfig()
        config.server.listen = ListenAddress(host: "0.0.0.0", port: 9095)
        let problems = config.validate()
        #expect(problems.map(\.path) == ["server.listen"])
        let message = try #require(problems.first?.message)
        for key in ["api.tokens", "webhook.bearer_token", "chat.slack_signing_secret", "server.allow_unauthenticated"] {
            #expect(message.contains(key), "\(message)")
        }
        config.api.tokens = [.init(name: "ops", token: "ops-token-0123456789abcdef", scopes: [.admin])]
        config.webhook.bearerToken = "hook"
        #expect(config.validate().first?.message.contains("chat (set chat.slack_signing_secret") == true)
        config.chat.token = "chat"
        #expect(config.validate().isEmpty)
        var open = FirehouseConfig()
        open.server.listen = ListenAddress(host: "0.0.0.0", port: 9095)
        open.server.allowUnauthenticated = true
        #expect(open.validate().isEmpty)
        #expect(FirehouseConfig().validate().isEmpty)  // loopback: zero configuration still starts
    }

    /// On loopback behind a reverse proxy or tunnel on the same host, the external URL is the
    /// name the world uses: loopback keeps nobody out, so every surface needs its credential too.
    @Test func anExternalURLOfAnotherHostNeedsCredentialsToo() throws {
        var config = FirehouseConfig()
        config.server.externalURL = ExternalURL("https://fh.example")
        let problems = config.validate()
        #expect(problems.map(\.path) == ["server.external_url"])
        #expect(problems.first?.message.contains("names fh.example") == true)
        #expect(problems.first?.message.contains("the API (set api.tokens)") == true)
        config.api.tokens = [.init(name: "ops", token: "ops-token-0123456789abcdef", scopes: [.admin])]
        config.webhook.bearerToken = "hook"
        config.chat.token = "chat"
        #expect(config.validate().isEmpty)
        var open = FirehouseConfig()
        open.server.externalURL = ExternalURL("https://fh.example")
        open.server.allowUnauthenticated = true
        #expect(open.validate().isEmpty, "behind an authenticating proxy, on purpose")
        for local in ["http://localhost:9095", "http://127.0.0.1:9095/", "http://[::1]:9095", "http://fh.localhost:9095"] {
            var loopback = FirehouseConfig()
            loopback.server.externalURL = ExternalURL(local)
            #expect(loopback.validate().isEmpty, "\(local)")
        }
    }
}

/// `ui:`: the web view's sign-in settings.
struct WebConfigTests {
    @Test func everyKey() throws {
        let c = try FirehouseConfig.parse(yaml: """
        ui:
          enabled: false
          trusted_user_header: X-Forwarded-User
          trusted_proxies: [10.0.0.0/8, "::1", 192.168.1.7]
          proxy_scope: write
          session_ttl: 1h
          poll_interval: 30s
        """).get()
        #expect(!c.ui.enabled && c.ui.trustedUserHeader == "X-Forwarded-User" && c.ui.proxyScope == .write)
        #expect(c.ui.trustedProxies == ["10.0.0.0/8", "::1", "192.168.1.7"])
        #expect(c.ui.sessionTTL == .hours(1) && c.ui.pollInterval == .seconds(30))
        #expect(c.validate().isEmpty)
        #expect(!c.links.webPages)
    }

    @Test(arguments: [
        ("ui: {trusted_proxies: [10.0.0.0/33]}", "ui.trusted_proxies[0]"),
        ("ui: {trusted_proxies: [not-an-address]}", "ui.trusted_proxies[0]"),
        ("ui: {proxy_scope: root}", "ui.proxy_scope"),
        ("ui: {trusted_user_header: \"bad header\"}", "ui.trusted_user_header"),
        ("ui: {poll_interval: 100ms}", "ui.poll_interval"),
        ("ui: {session_ttl: 0s}", "ui.session_ttl"),
        ("ui: {color: red}", "ui.color"),
    ])
    func badValuesNameTheirKey(_ yaml: String, _ path: String) {
        guard case .failure(let problems) = FirehouseConfig.parse(yaml: yaml) else {
            Issue.record("\(yaml) was accepted")
            return
        }
        #expect(problems.errors.map(\.path).contains(path), "\(problems)")
    }

    @Test func aUserHeaderNeedsItsProxies() throws {
        let c = try FirehouseConfig.parse(yaml: "ui: {trusted_user_header: X-Forwarded-User}").get()
        #expect(c.validate().map(\.path) == ["ui.trusted_proxies"])
    }

    @Test(arguments: [("10.0.0.0/8", "10.1.2.3", true), ("10.0.0.0/8", "11.0.0.1", false), ("127.0.0.1", "127.0.0.1", true),
                      ("127.0.0.1", "::ffff:127.0.0.1", true), ("::1", "::1", true), ("fd00::/8", "fd12::1", true),
                      ("fd00::/8", "fe80::1", false), ("10.0.0.0/8", "::1", false), ("0.0.0.0/0", "8.8.8.8", true)])
    func addressRanges(_ range: String, _ peer: String, _ inside: Bool) throws {
        #expect(try #require(AddressRange(range)).contains(peer) == inside)
    }
}
