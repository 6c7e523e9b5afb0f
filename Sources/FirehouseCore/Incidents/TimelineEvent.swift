/// What a timeline entry records, with its facts typed. The stored and API form (`kind` plus a
/// flat `data` object of strings) is made in one place, `TimelineEvent+Stored.swift`.
public enum TimelineEvent: Sendable, Equatable {
    case incidentOpened(severity: Severity, source: OpeningSource)
    case alertFired(AlertReference)
    case alertResolved(AlertReference, endsAt: Timestamp?)
    case incidentReopened(reopenCount: Int)
    case incidentResolved
    case severityChanged(from: Severity, to: Severity)
    case notificationTruncated(truncatedAlerts: Int)
    case statusChanged(from: IncidentStatus, to: IncidentStatus, summary: String?)
    /// `previous` is the name of the holder it was handed over from.
    case roleAssigned(role: String, user: ChatUser, previous: String?)
    case roleUnassigned(role: String, user: ChatUser)
    case note
    case titleChanged(from: String, to: String)
    case runbookAttached(id: String, title: String, path: String)
    case postmortemGenerated(version: Int)
    /// `unacknowledgedFor` is the human-readable wait, as shown.
    case escalated(escalation: Int, severity: Severity, unacknowledgedFor: String)
    /// `matchers` is their canonical text.
    case silenced(silenceID: String, matchers: String, endsAt: Timestamp)
    case unsilenced(silenceIDs: [String])
    case notificationFailed(target: String, event: String, attempts: Int, delivery: Int64)
    /// A stored entry this version cannot read as any case above (a kind a newer version wrote,
    /// or facts in another shape): kept and shown exactly as stored, and announced to nobody.
    case unrecognized(kind: String, data: [String: String])

    /// How an incident came to be.
    public enum OpeningSource: Sendable, Equatable {
        case alerts(receiver: String, groupKey: String)
        /// By a person (`declare`); the severity is pinned.
        case declared
    }

    /// Which alert episode an entry is about.
    public struct AlertReference: Sendable, Equatable {
        public var fingerprint: String
        public var startsAt: Timestamp
        public var alertname: String?

        public init(fingerprint: String, startsAt: Timestamp, alertname: String?) {
            self.fingerprint = fingerprint
            self.startsAt = startsAt
            self.alertname = alertname
        }
    }

    /// The kind, nil for `unrecognized`.
    public var kind: TimelineKind? {
        switch self {
        case .incidentOpened: .incidentOpened
        case .alertFired: .alertFired
        case .alertResolved: .alertResolved
        case .incidentReopened: .incidentReopened
        case .incidentResolved: .incidentResolved
        case .severityChanged: .severityChanged
        case .notificationTruncated: .notificationTruncated
        case .statusChanged: .statusChanged
        case .roleAssigned: .roleAssigned
        case .roleUnassigned: .roleUnassigned
        case .note: .note
        case .titleChanged: .titleChanged
        case .runbookAttached: .runbookAttached
        case .postmortemGenerated: .postmortemGenerated
        case .escalated: .escalated
        case .silenced: .silenced
        case .unsilenced: .unsilenced
        case .notificationFailed: .notificationFailed
        case .unrecognized: nil
        }
    }
}
