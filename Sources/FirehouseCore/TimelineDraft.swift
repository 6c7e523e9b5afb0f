/// A timeline entry about to be written.
public struct TimelineDraft: Sendable, Equatable {
    public var at: Timestamp
    public var kind: TimelineKind
    public var actor: String
    public var text: String
    public var data: [String: String]

    public init(at: Timestamp, kind: TimelineKind, actor: String, text: String, data: [String: String] = [:]) {
        self.at = at
        self.kind = kind
        self.actor = actor
        self.text = text
        self.data = data
    }
}

/// What a timeline entry records. The raw values are the API's `kind` strings.
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
