/// A change of an incident's life that is counted (`firehouse_incidents_total{action}`), read off
/// the timeline entry that records it, whichever path wrote it (ingest, chat, API, browser).
public enum IncidentTransition: String, Sendable, CaseIterable {
    case opened, reopened, resolved, closed
}

extension TimelineEvent {
    /// The transition this entry records, if it records one.
    public var transition: IncidentTransition? {
        switch self {
        case .incidentOpened: .opened
        case .incidentReopened: .reopened
        case .incidentResolved: .resolved
        case .statusChanged(_, let to, _):
            switch to {
            case .resolved: .resolved
            case .closed: .closed
            case .triggered: .reopened
            case .acknowledged, .investigating, .mitigated: nil
            }
        case .alertFired, .alertResolved, .severityChanged, .notificationTruncated, .roleAssigned, .roleUnassigned, .note,
             .titleChanged, .runbookAttached, .postmortemGenerated, .escalated, .silenced, .unsilenced,
             .notificationFailed, .unrecognized:
            nil
        }
    }
}
