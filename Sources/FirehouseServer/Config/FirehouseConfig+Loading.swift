import FirehouseCore
import Yams

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A configuration problem, with the key path where it is (`correlation.reopen_window`).
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Every problem found in one config.
public struct ConfigProblems: Error, Equatable, Sendable {
    public var errors: [ConfigError]
    public init(_ errors: [ConfigError]) { self.errors = errors }
}

extension FirehouseConfig {
    /// Environment variables that override secrets, so they need not sit in the file.
    public static let secretEnvironment: [(variable: String, key: String)] = [
        ("FIREHOUSE_WEBHOOK_TOKEN", "webhook.bearer_token"),
        ("FIREHOUSE_WEBHOOK_USERNAME", "webhook.basic_auth.username"),
        ("FIREHOUSE_WEBHOOK_PASSWORD", "webhook.basic_auth.password"),
        ("FIREHOUSE_SLACK_SIGNING_SECRET", "chat.slack_signing_secret"),
        ("FIREHOUSE_CHAT_TOKEN", "chat.token"),
        ("FIREHOUSE_SLACK_BOT_TOKEN", "chat.slack_bot_token"),
        ("FIREHOUSE_DATABASE_URL", "database.url"),
        ("FIREHOUSE_DATABASE_PASSWORD", "database.password"),
        ("FIREHOUSE_REPLICA", "database.replica"),
    ]

    /// Parses YAML; reports every problem found, each with its key path.
    public static func parse(yaml text: String) -> Result<FirehouseConfig, ConfigProblems> {
        parse(yaml: text, readFile: ConfigReader.fileContents)
    }

    /// `readFile` answers the `*_file` keys (tests pass a dictionary's lookup).
    static func parse(yaml text: String, readFile: @escaping (String) -> String?) -> Result<FirehouseConfig, ConfigProblems> {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            return .failure(ConfigProblems([ConfigError(path: "", message: "not valid YAML: \(error)")]))
        }
        let reader = ConfigReader(readFile: readFile)
        var config = FirehouseConfig()
        if let node {
            reader.read(node, into: &config)
        }
        return reader.errors.isEmpty ? .success(config) : .failure(ConfigProblems(reader.errors))
    }

    public static func load(path: String) -> Result<FirehouseConfig, ConfigProblems> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ConfigProblems([ConfigError(path: "", message: "cannot read \(path)")]))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(ConfigProblems([ConfigError(path: "", message: "\(path) is not UTF-8")]))
        }
        return parse(yaml: text)
    }

    /// Applies secret overrides from the environment.
    public mutating func applyEnvironment(_ environment: [String: String]) {
        if let token = environment["FIREHOUSE_WEBHOOK_TOKEN"], !token.isEmpty { webhook.bearerToken = token }
        if let user = environment["FIREHOUSE_WEBHOOK_USERNAME"], !user.isEmpty { webhook.basicUsername = user }
        if let password = environment["FIREHOUSE_WEBHOOK_PASSWORD"], !password.isEmpty { webhook.basicPassword = password }
        if let secret = environment["FIREHOUSE_SLACK_SIGNING_SECRET"], !secret.isEmpty { chat.slackSigningSecret = secret }
        if let token = environment["FIREHOUSE_CHAT_TOKEN"], !token.isEmpty { chat.token = token }
        if !chat.slackBotTokenEnv.isEmpty { chat.slackBotToken = environment[chat.slackBotTokenEnv] ?? "" }
        if let token = environment["FIREHOUSE_SLACK_BOT_TOKEN"], !token.isEmpty { chat.slackBotToken = token }
        if let url = environment["FIREHOUSE_DATABASE_URL"], !url.isEmpty { database.url = url }
        if let password = environment["FIREHOUSE_DATABASE_PASSWORD"], !password.isEmpty { database.password = password }
        if let replica = environment["FIREHOUSE_REPLICA"], !replica.isEmpty { database.replica = replica }
        for index in notifications.targets.indices {
            var target = notifications.targets[index]
            if !target.urlEnv.isEmpty { target.url = environment[target.urlEnv] ?? "" }
            if !target.secretEnv.isEmpty { target.secret = environment[target.secretEnv] ?? "" }
            notifications.targets[index] = target
        }
        for index in api.tokens.indices where !api.tokens[index].tokenEnv.isEmpty {
            api.tokens[index].token = environment[api.tokens[index].tokenEnv] ?? ""
        }
        if !metrics.bearerTokenEnv.isEmpty { metrics.bearerToken = environment[metrics.bearerTokenEnv] ?? "" }
    }

    /// Checks that hold across keys; run after the file and the environment are applied.
    public func validate() -> [ConfigError] {
        var errors: [ConfigError] = []
        if !webhook.bearerToken.isEmpty, !webhook.basicUsername.isEmpty || !webhook.basicPassword.isEmpty {
            errors.append(ConfigError(path: "webhook", message: "bearer_token and basic_auth are mutually exclusive"))
        }
        if !chat.slackSigningSecret.isEmpty, !chat.token.isEmpty {
            errors.append(ConfigError(path: "chat", message: "slack_signing_secret and token are mutually exclusive"))
        }
        if webhook.basicUsername.isEmpty != webhook.basicPassword.isEmpty {
            errors.append(ConfigError(path: "webhook.basic_auth", message: "needs both username and password"))
        }
        for (index, target) in notifications.targets.enumerated() {
            let path = "notifications.targets[\(index)]"
            if !target.urlEnv.isEmpty, !ConfigReader.isHTTPURL(target.url) {
                errors.append(ConfigError(path: "\(path).url_env", message: "$\(target.urlEnv) must hold an http:// or https:// URL"))
            }
            if !target.channel.isEmpty, chat.slackBotToken.isEmpty {
                errors.append(ConfigError(path: "\(path).channel",
                                          message: "posting to a channel needs chat.slack_bot_token (or _env, _file, $FIREHOUSE_SLACK_BOT_TOKEN)"))
            }
            if !target.secretEnv.isEmpty, target.secret.isEmpty {
                errors.append(ConfigError(path: "\(path).secret_env", message: "$\(target.secretEnv) is not set"))
            }
        }
        for (index, token) in api.tokens.enumerated() where !token.tokenEnv.isEmpty {
            if token.token.count < 16 {
                errors.append(ConfigError(path: "api.tokens[\(index)].token_env",
                                          message: "$\(token.tokenEnv) " + (token.token.isEmpty ? "is not set" : "must hold at least 16 characters")))
            }
        }
        do { _ = try database.backend() } catch { errors.append(error) }
        if !ui.trustedUserHeader.isEmpty, ui.trustedProxies.isEmpty {
            errors.append(ConfigError(path: "ui.trusted_proxies", message: "trusted_user_header needs the addresses of the proxies that set it"))
        }
        let tokens = api.tokens.map(\.token)
        if Set(tokens).count != tokens.count {
            errors.append(ConfigError(path: "api.tokens", message: "two tokens are the same secret: each needs its own"))
        }
        if !metrics.bearerTokenEnv.isEmpty, metrics.bearerToken.isEmpty {
            errors.append(ConfigError(path: "metrics.bearer_token_env", message: "$\(metrics.bearerTokenEnv) is not set"))
        }
        if let exposure, !server.allowUnauthenticated {
            var open: [String] = []
            if api.tokens.isEmpty { open.append("the API (set api.tokens)") }
            if !webhook.isAuthenticated { open.append("the Alertmanager webhook (set webhook.bearer_token or webhook.basic_auth)") }
            if !chat.isAuthenticated { open.append("chat (set chat.slack_signing_secret or chat.token)") }
            if !open.isEmpty {
                errors.append(ConfigError(path: exposure.path, message: "\(exposure.why), but anyone reaching it "
                    + "could use \(open.joined(separator: ", ")). Each key also takes _file (or a FIREHOUSE_* variable); "
                    + "or set server.allow_unauthenticated: true to run open on purpose (behind an authenticating proxy)"))
            }
        }
        return errors
    }

    /// What makes Firehouse reachable beyond this host, if anything: a non-loopback listen address,
    /// or an external URL naming another host (a reverse proxy or tunnel on this host forwards to
    /// the loopback address with that name, so loopback alone no longer keeps anyone out).
    var exposure: (path: String, why: String)? {
        if !server.listen.isLoopback { return ("server.listen", "\(server.listen) is not a loopback address") }
        if let host = LoopbackHostGuard.host(ofURL: server.externalURL.base), !ListenAddress.isLoopback(host: host) {
            return ("server.external_url", "server.external_url names \(host), so Firehouse is reached from beyond this host")
        }
        return nil
    }
}
