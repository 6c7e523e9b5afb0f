/// A timeline entry about to be written.
public struct TimelineDraft: Sendable, Equatable {
    public var at: Timestamp
    /// Who, as shown (a person's name, `alertmanager`, `firehouse`, `api:<token>`).
    public var actor: String
    /// The stable id of a person who acted (a chat user id, `api:<token>`); nil for the system.
    public var actorID: String?
    public var text: String
    public var event: TimelineEvent

    public init(at: Timestamp, actor: String, actorID: String? = nil, text: String, event: TimelineEvent) {
        self.at = at
        self.actor = actor
        self.actorID = actorID
        self.text = text
        self.event = event
    }

    /// `kind` and `data` as the store and the API hold them.
    public var stored: (kind: String, data: [String: String]) { event.stored(actorID: actorID) }
}

/// The kinds of timeline entries. The raw values are the API's `kind` strings.
public enum TimelineKind: String, Sendable, Codable, CaseIterable {
    case incidentOpened = "incident_opened"
    case alertFired = "alert_fired"
    case alertResolved = "alert_resolved"
    case incidentReopened = "incident_reopened"
    case incidentResolved = "incident_resolved"
    case severityChanged = "severity_changed"
    case notificationTruncated = "notification_truncated"
    case statusChanged = "status_changed"
    case roleAssigned = "role_assigned"
    case roleUnassigned = "role_unassigned"
    case note = "note"
    case titleChanged = "title_changed"
    case runbookAttached = "runbook_attached"
    case postmortemGenerated = "postmortem_generated"
    case escalated = "escalated"
    case silenced = "silenced"
    case unsilenced = "unsilenced"
    case notificationFailed = "notification_failed"
}

/// Actors the service itself writes as.
public enum SystemActor {
    public static let alertmanager = "alertmanager"
    public static let firehouse = "firehouse"
}
