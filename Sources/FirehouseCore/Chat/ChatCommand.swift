/// A parsed chat command: what a responder asked for.
public enum ChatCommand: Sendable, Equatable {
    case help(topic: String?)
    case list(IncidentStatusFilter)
    case show(Int64)
    case timeline(Int64)
    case declare(Severity, title: String, drill: Bool = false)
    /// Rehearse a runbook: a drill incident with it attached.
    case drillStart(runbookID: String, severity: Severity?)
    /// Error budgets: every service's, or one's.
    case slo(service: String?)
    case act(Int64, IncidentAction)
    case roles(Int64)
    case runbook(Int64)
    case silence(Int64, duration: TimeSpan, comment: String?)
    case unsilence(Int64)

    /// The incident the command is about, if one.
    public var incidentID: Int64? {
        switch self {
        case .show(let id), .timeline(let id), .act(let id, _), .roles(let id), .runbook(let id), .silence(let id, _, _),
             .unsilence(let id):
            id
        case .help, .list, .declare, .drillStart, .slo:
            nil
        }
    }
}

/// A change a human asks of an incident.
public enum IncidentAction: Sendable, Equatable {
    case move(IncidentLifecycle.Move, summary: String?)
    case setSeverity(Severity)
    case assign(role: String, user: ChatUser)
    case unassign(role: String)
    case note(String)
    case retitle(String)
}

/// A chat user as named in a command (`@alice`, Slack's `<@U123|alice>`).
public struct ChatUser: Sendable, Equatable, Hashable {
    /// Stable id when the chat tool gave one (Slack user id), else the name.
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }

    /// Parses `@alice`, `alice`, `<@U123>` and `<@U123|alice>`.
    public init?(mention text: String) {
        if text.hasPrefix("<@"), text.hasSuffix(">") {
            let inner = text.dropFirst(2).dropLast()
            let parts = inner.split(separator: "|", maxSplits: 1).map(String.init)
            guard let id = parts.first, !id.isEmpty, id.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
            self.init(id: id, name: parts.count > 1 ? parts[1] : id)
            return
        }
        let name = text.hasPrefix("@") ? String(text.dropFirst()) : text
        let allowed = name.allSatisfy { $0.isLetter || $0.isNumber || "._-".contains($0) }
        guard !name.isEmpty, name.count <= 80, allowed else { return nil }
        self.init(id: name, name: name)
    }
}

/// Who issued a command: identified by team and user id, shown by name.
public struct Actor: Sendable, Equatable {
    /// `team_id:user_id` when the chat tool sent them, else the user name.
    public var id: String
    public var name: String

    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}
