import FirehouseCore
import Logging

/// Everything Firehouse can be configured with; every field has an embedded default.
public struct FirehouseConfig: Sendable, Equatable {
    public var server = Server()
    public var database = DatabaseSection()
    public var webhook = Webhook()
    public var correlation = Correlation()
    public var severity = SeveritySection()
    public var chat = Chat()
    public var runbooks = Runbooks()
    public var postmortem = Postmortem()
    public var logging = Logging()
    public var notifications = Notifications()
    public var escalation = EscalationSection()
    public var alertmanager = AlertmanagerSection()
    public var api = API()
    public var metrics = MetricsSection()
    public var ui = UISection()
    public var slo = SLOSection()
    public var drills = DrillsSection()
    public var heartbeat = HeartbeatSection()

    public init() {}

    /// `server:`
    public struct Server: Sendable, Equatable {
        public var listen = ListenAddress(host: "127.0.0.1", port: 9095)
        /// Largest Alertmanager webhook body.
        public var maxBodyBytes = 1_048_576
        /// Largest body of every other route (chat, close, silence): they are small by nature.
        public var maxAPIBodyBytes = 65_536
        /// A connection that sends nothing for this long is closed; this also bounds how long a
        /// client may take to send its request headers (slow clients cannot hold connections).
        public var idleTimeout = TimeSpan.seconds(30)
        /// At SIGTERM/SIGINT, /readyz fails for this long before the server stops accepting requests.
        public var shutdownDelay = TimeSpan.seconds(2)
        /// Longest a graceful shutdown may take before in-flight work is cancelled.
        public var gracePeriod = TimeSpan.seconds(20)
        /// Lets `serve` start on a non-loopback address with a surface that checks no credential.
        public var allowUnauthenticated = false
        /// Where users reach this service (`server.external_url`, or its alias `chat.public_url`):
        /// every link in chat, notifications and post-mortems starts here.
        public var externalURL = ExternalURL()
    }

    /// `database:`
    public struct DatabaseSection: Sendable, Equatable {
        public var path = "./data/firehouse.sqlite"
        /// `postgres://user@host:port/db?sslmode=...` for PostgreSQL; a path or `sqlite:PATH` for
        /// SQLite; empty: `path`. Also `FIREHOUSE_DATABASE_URL` and `--database`.
        public var url = ""
        /// PostgreSQL's password when not in the URL (`password_file`, `FIREHOUSE_DATABASE_PASSWORD`).
        public var password = ""
        /// A PEM file of CAs that sign the PostgreSQL server's certificate.
        public var caFile = ""
        /// PostgreSQL connections of this replica.
        public var maxConnections = 10
        /// This replica's name in leases and `application_name`; empty: the host name (`FIREHOUSE_REPLICA`).
        public var replica = ""
        public var busyTimeout = TimeSpan.seconds(5)
        /// How often committed WAL frames are copied into the database file, beside the commits.
        public var checkpointInterval = TimeSpan(nanoseconds: 50_000_000)
    }

    /// `webhook:` — who may post Alertmanager notifications.
    public struct Webhook: Sendable, Equatable {
        public var bearerToken = ""
        public var basicUsername = ""
        public var basicPassword = ""
        public var limits = PayloadLimits.standard
        /// Alertmanager receiver names that get their own `receiver` label on metrics; any other
        /// name is counted as `other`, so a sender cannot grow the label set without bound.
        public var receivers: [String] = []

        /// Whether a credential is configured.
        public var isAuthenticated: Bool { !bearerToken.isEmpty || !basicUsername.isEmpty }
    }

    /// `correlation:`
    public struct Correlation: Sendable, Equatable {
        /// Empty: use each notification's `groupLabels` (Alertmanager's own grouping).
        public var groupBy: [String] = []
        public var reopenWindow = TimeSpan.minutes(30)
        public var autoResolve = true
    }

    /// `severity:`
    public struct SeveritySection: Sendable, Equatable {
        public var map = SeverityMap.default
    }

    /// `chat:` — the slash-command endpoint.
    public struct Chat: Sendable, Equatable {
        /// Slack app signing secret; when set, every request must carry a valid `X-Slack-Signature`.
        public var slackSigningSecret = ""
        /// Mattermost slash-command token (or any shared token); used when no signing secret is set.
        public var token = ""
        /// Longest accepted command text in bytes.
        public var maxCommandBytes = 4000
        public var roles = RoleCatalog.default
        /// A slash command not answered by then is acknowledged at once and answered through its
        /// `response_url` (Slack gives up after 3 seconds); zero: always answer that way.
        public var replyDeadline = TimeSpan(nanoseconds: 2_500_000_000)
        /// Whose Markdown replies are written in; nil: Mattermost when only a `token` is set, else Slack.
        public var platform: ChatDialect?
        /// Slack app mode: the bot token (`xoxb-...`) that posts and updates messages through
        /// Slack's Web API for targets that name a `channel`.
        public var slackBotToken = ""
        public var slackBotTokenEnv = ""
        /// Slack's Web API base (tests point it at a local fake).
        public var slackAPIURL = "https://slack.com/api"

        /// The dialect of replies: `platform`, or what the credential says the sender is.
        public var dialect: ChatDialect { platform ?? (slackSigningSecret.isEmpty && !token.isEmpty ? .mattermost : .slack) }

        /// Whether a credential is configured.
        public var isAuthenticated: Bool { !slackSigningSecret.isEmpty || !token.isEmpty }
    }

    /// `runbooks:`
    public struct Runbooks: Sendable, Equatable {
        public var path = "./runbooks"
        /// How often the directory is looked at and reloaded if it changed; zero: never.
        public var reloadInterval = TimeSpan.seconds(60)
    }

    /// `postmortem:`
    public struct Postmortem: Sendable, Equatable {
        /// A Mustache template file replacing the built-in draft; empty: built-in.
        public var template = ""
    }

    /// `logging:`
    public struct Logging: Sendable, Equatable {
        public var level = Logger.Level.info
        public var format = LineLogHandler.Format.logfmt
    }

    /// Every link Firehouse gives out: the external URL, to the web view's pages when it is on.
    public var links: ExternalURL {
        var links = server.externalURL
        links.webPages = ui.enabled
        return links
    }

    public var correlationConfig: CorrelationConfig {
        CorrelationConfig(
            groupBy: correlation.groupBy.isEmpty ? nil : correlation.groupBy,
            reopenWindow: correlation.reopenWindow, autoResolve: correlation.autoResolve, severity: severity.map,
            drillLabel: drills.label, drillValue: drills.value)
    }
}

/// `host:port` to listen on.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Accepts `host:port`, `[v6]:port` and `:port` (all interfaces).
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port)
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.init(host: host.isEmpty ? "0.0.0.0" : host, port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Only this machine can connect: `127.0.0.0/8`, `::1` or `localhost`.
    public var isLoopback: Bool { Self.isLoopback(host: host) }

    /// A name or address of this machine alone: `localhost` and `*.localhost` (RFC 6761),
    /// `127.0.0.0/8`, `::1`. One answer for the listen address, `server.external_url` and `Host`.
    public static func isLoopback(host: String) -> Bool {
        let name = host.lowercased()
        if name == "localhost" || name.hasSuffix(".localhost") || name == "::1" || name == "0:0:0:0:0:0:0:1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
