import FirehouseCore

extension FirehouseConfig {
    /// `notifications:` — where incident events are posted, and how deliveries are retried.
    public struct Notifications: Sendable, Equatable {
        public var targets: [NotificationTarget] = []
        public var maxAttempts = DeliveryPolicy.standard.maxAttempts
        public var initialBackoff = DeliveryPolicy.standard.initialBackoff
        public var maxBackoff = DeliveryPolicy.standard.maxBackoff
        /// Longest one delivery attempt may take (connect to last byte).
        public var timeout = TimeSpan.seconds(10)
        /// Delivery records are deleted this long after delivery; 0: kept forever. Failures are kept.
        public var retention = TimeSpan.seconds(30 * 86_400)
        /// The storm digest of chat targets (`notifications.digest`).
        public var digest = StormDigest(threshold: 10, window: .seconds(60))

        public var policy: DeliveryPolicy {
            DeliveryPolicy(maxAttempts: maxAttempts, initialBackoff: initialBackoff, maxBackoff: maxBackoff)
        }

        public var routes: NotificationRoutes {
            NotificationRoutes(targets.map { NotificationRoutes.Target(name: $0.name, events: $0.events) })
        }
    }

    /// One incoming webhook.
    public struct NotificationTarget: Sendable, Equatable {
        /// How the body is shaped: chat tools take `{"text"}`, `webhook` gets the incident JSON.
        public enum Kind: String, Sendable, CaseIterable {
            case slack, mattermost, webhook, teams, discord

            /// Chat kinds take the storm digest; the generic webhook's receivers are programs that
            /// expect one event per incident.
            public var isChat: Bool { self != .webhook }
        }

        public var name = ""
        public var kind = Kind.slack
        public var url = ""
        /// Slack app mode (`kind: slack`): the channel id posted to through the Web API with
        /// `chat.slack_bot_token`, instead of an incoming webhook `url`.
        public var channel = ""
        /// Environment variable holding the URL (chat webhook URLs are secrets).
        public var urlEnv = ""
        public var events = Set(OutboundEvent.allCases)
        /// For `webhook`: signs each body with HMAC-SHA256 (`X-Firehouse-Signature: sha256=<hex>`).
        public var secret = ""
        public var secretEnv = ""
    }

    /// `escalation:` — re-notify incidents nobody acknowledges. Off unless `after` is set.
    public struct EscalationSection: Sendable, Equatable {
        public var after = TimeSpan(nanoseconds: 0)
        public var minSeverity = Severity.sev1
        /// Escalate again this often while still unacknowledged; 0: once.
        public var repeatEvery = TimeSpan(nanoseconds: 0)
        /// How often to look for incidents to escalate.
        public var checkInterval = TimeSpan.seconds(15)

        public var policy: EscalationPolicy? {
            after.nanoseconds > 0
                ? EscalationPolicy(after: after, minSeverity: minSeverity, repeatEvery: repeatEvery.nanoseconds > 0 ? repeatEvery : nil)
                : nil
        }
    }

    /// `alertmanager:` — the Alertmanager API that silences are created in.
    public struct AlertmanagerSection: Sendable, Equatable {
        /// e.g. `http://alertmanager:9093`; empty: `silence` is unavailable.
        public var url = ""
        public var timeout = TimeSpan.seconds(10)
    }
}

extension FirehouseConfig {
    /// `api:` — who may use `/api/v1/*` (every route but the webhook and chat, which have their own).
    public struct API: Sendable, Equatable {
        public var tokens: [APIToken] = []
    }

    /// One entry of `api.tokens`: changes made with it are recorded as `api:<name>`.
    public struct APIToken: Sendable, Equatable {
        public var name = ""
        public var token = ""
        /// Environment variable holding the token.
        public var tokenEnv = ""
        public var scopes: Set<APIScope> = []

        public init(name: String = "", token: String = "", scopes: Set<APIScope> = []) {
            self.name = name
            self.token = token
            self.scopes = scopes
        }
    }

    /// `ui:` — the web view under `/ui`: who may sign in and how.
    public struct UISection: Sendable, Equatable {
        public var enabled = true
        /// A header a reverse proxy (oauth2-proxy: `X-Forwarded-User`) sets to the signed-in user;
        /// honoured only on connections from `trusted_proxies`. Empty: browsers sign in with a token.
        public var trustedUserHeader = ""
        /// Addresses (`10.0.0.5`) and IPv4/IPv6 networks (`10.0.0.0/8`) of those proxies.
        public var trustedProxies: [String] = []
        /// What a user the proxy names may do.
        public var proxyScope = APIScope.read
        /// How long a browser stays signed in after signing in with a token.
        public var sessionTTL = TimeSpan.hours(12)
        /// How often an open page asks whether what it shows changed (while the tab is visible).
        public var pollInterval = TimeSpan.seconds(10)
    }

    /// `metrics:` — an optional bearer token for `/metrics` (Prometheus' scrape `authorization`).
    public struct MetricsSection: Sendable, Equatable {
        public var bearerToken = ""
        public var bearerTokenEnv = ""
    }
}
