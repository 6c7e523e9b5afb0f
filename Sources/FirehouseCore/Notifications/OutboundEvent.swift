/// An incident event that can be sent to chat or a webhook. The raw values are the config's
/// `notifications.targets[].events` names and the generic webhook's `event` field.
public enum OutboundEvent: String, Sendable, CaseIterable, Codable {
    case opened
    case severityRaised = "severity_raised"
    case acknowledged
    case roleAssigned = "role_assigned"
    case mitigated
    case resolved
    case reopened
    case closed
    case escalated
    case silenced
    case unsilenced

    /// The event a timeline entry announces, if any. Timeline entries are the single source of
    /// events, so every change that writes one can notify and none can be forgotten.
    public static func of(_ event: TimelineEvent) -> OutboundEvent? {
        switch event {
        case .incidentOpened: return .opened
        case .incidentReopened: return .reopened
        case .incidentResolved: return .resolved
        case .roleAssigned: return .roleAssigned
        case .escalated: return .escalated
        case .silenced: return .silenced
        case .unsilenced: return .unsilenced
        case .severityChanged(let from, let to):
            return to > from ? .severityRaised : nil
        case .statusChanged(let from, let to, _):
            if !from.isActive, to.isActive { return .reopened }
            return statusEvents[to]
        case .alertFired, .alertResolved, .notificationTruncated, .roleUnassigned, .note, .titleChanged,
             .runbookAttached, .postmortemGenerated, .notificationFailed, .unrecognized:
            return nil
        }
    }

    private static let statusEvents: [IncidentStatus: OutboundEvent] = [
        .acknowledged: .acknowledged, .mitigated: .mitigated, .resolved: .resolved, .closed: .closed,
    ]
}
