/// Who may call a route: the table in the README's "Access control" section is this, per route.
public enum RouteAccess: Sendable, Equatable, CustomStringConvertible {
    /// `/healthz`, `/readyz`: probes carry no credentials.
    case open
    /// The Alertmanager webhook: `webhook.bearer_token` or `webhook.basic_auth`.
    case webhook
    /// Chat commands: the Slack signing secret or the chat token.
    case chat
    /// A chat button's click: a Mattermost context Firehouse signed with a key from the chat token,
    /// or a Slack interaction carrying the signing secret's signature.
    case chatAction
    /// `/metrics`: `metrics.bearer_token`, when set.
    case metrics
    /// An API token with this scope (or a stronger one).
    case api(APIScope)
    /// A web-view user with this scope: signed in with an API token (a session cookie), named by
    /// a trusted proxy (`ui.proxy_scope`), or anyone when no tokens are configured (loopback).
    case ui(APIScope)

    public var description: String {
        switch self {
        case .open: "open"
        case .webhook: "webhook credential"
        case .chat: "chat credential"
        case .chatAction: "signed action context or Slack signature"
        case .metrics: "metrics token"
        case .api(let scope): scope.rawValue
        case .ui(let scope): "web \(scope.rawValue)"
        }
    }
}

/// One registered route, as `Routes` recorded it.
public struct RouteEntry: Sendable, Equatable {
    public var method: String
    public var path: String
    public var access: RouteAccess
}
