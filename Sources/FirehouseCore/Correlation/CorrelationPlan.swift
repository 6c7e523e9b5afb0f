/// What correlating one notification decided; the shell writes all of it in one transaction.
public struct CorrelationPlan: Sendable, Equatable {
    /// One entry per incident the notification touched, in first-touched order.
    public var incidents: [IncidentPlan]
    /// Episodes that were seen again unchanged: only `lastSeenAt` moves.
    public var touchedEpisodes: [Int64]
    public var seenAt: Timestamp

    public init(incidents: [IncidentPlan] = [], touchedEpisodes: [Int64] = [], seenAt: Timestamp) {
        self.incidents = incidents
        self.touchedEpisodes = touchedEpisodes
        self.seenAt = seenAt
    }
}

/// Names an incident that may not have an id yet.
public enum IncidentRef: Hashable, Sendable {
    case existing(Int64)
    /// The n-th incident this plan opens.
    case new(Int)
}

/// The summary action reported to Alertmanager for one incident.
public enum IngestOutcome: String, Sendable, Codable, Comparable {
    case unchanged, updated, resolved, reopened, opened

    private var rank: Int {
        switch self {
        case .unchanged: 0
        case .updated: 1
        case .resolved: 2
        case .reopened: 3
        case .opened: 4
        }
    }

    public static func < (lhs: IngestOutcome, rhs: IngestOutcome) -> Bool { lhs.rank < rhs.rank }
}

/// The writes for one incident.
public struct IncidentPlan: Sendable, Equatable {
    public var ref: IncidentRef
    /// The incident's state after this notification; for a new one, what to insert.
    public var head: IncidentHead
    /// Whether `head` differs from what is stored (always true for a new incident).
    public var headChanged: Bool
    public var newAlerts: [NewAlert]
    public var alertUpdates: [AlertUpdate]
    public var timeline: [TimelineDraft]
    public var outcome: IngestOutcome
    /// Runbook ids to attach, most specific first.
    public var attachRunbooks: [String] = []
}

/// An alert episode to insert.
public struct NewAlert: Sendable, Equatable {
    public var alert: AlertmanagerNotification.Alert
    public var receiver: String
    /// Set when the first notification seen for this episode already said resolved.
    public var endsAt: Timestamp?

    public init(alert: AlertmanagerNotification.Alert, receiver: String, endsAt: Timestamp?) {
        self.alert = alert
        self.receiver = receiver
        self.endsAt = endsAt
    }
}

/// A change to a stored alert episode.
public struct AlertUpdate: Sendable, Equatable {
    public var episodeID: Int64
    public var status: AlertStatus
    public var endsAt: Timestamp?
    public var annotations: LabelSet
    public var generatorURL: String

    public init(episodeID: Int64, status: AlertStatus, endsAt: Timestamp?, annotations: LabelSet, generatorURL: String) {
        self.episodeID = episodeID
        self.status = status
        self.endsAt = endsAt
        self.annotations = annotations
        self.generatorURL = generatorURL
    }
}
