/// What the store knows that one notification's correlation depends on; loaded by the shell.
public struct CorrelationState: Sendable {
    /// Stored alert episodes by `(fingerprint, startsAt)`, for this notification's receiver.
    public var episodes: [EpisodeKey: StoredEpisode]
    /// Incidents touched by the episodes or candidates, with their number of firing alerts.
    public var incidents: [Int64: IncidentSnapshot]
    /// The newest active incident for each correlation key.
    public var activeByKey: [String: Int64]
    /// The newest resolved incident for each correlation key (candidate for reopening).
    public var resolvedByKey: [String: Int64]
    /// Runbook ids already attached to the incidents above.
    public var attachedRunbooks: [Int64: Set<String>]

    public init(episodes: [EpisodeKey: StoredEpisode] = [:], incidents: [Int64: IncidentSnapshot] = [:],
                activeByKey: [String: Int64] = [:], resolvedByKey: [String: Int64] = [:],
                attachedRunbooks: [Int64: Set<String>] = [:]) {
        self.episodes = episodes
        self.incidents = incidents
        self.activeByKey = activeByKey
        self.resolvedByKey = resolvedByKey
        self.attachedRunbooks = attachedRunbooks
    }
}

/// One firing episode of an alert: its identity.
public struct EpisodeKey: Hashable, Sendable {
    public var fingerprint: String
    public var startsAt: Timestamp

    public init(fingerprint: String, startsAt: Timestamp) {
        self.fingerprint = fingerprint
        self.startsAt = startsAt
    }
}

/// A stored alert episode, as far as correlation needs it.
public struct StoredEpisode: Sendable, Equatable {
    public var id: Int64
    public var incidentID: Int64
    public var status: AlertStatus
    public var annotations: LabelSet
    public var generatorURL: String

    public init(id: Int64, incidentID: Int64, status: AlertStatus, annotations: LabelSet, generatorURL: String) {
        self.id = id
        self.incidentID = incidentID
        self.status = status
        self.annotations = annotations
        self.generatorURL = generatorURL
    }
}

/// A stored incident and how many of its alerts are still firing.
public struct IncidentSnapshot: Sendable, Equatable {
    public var head: IncidentHead
    public var firingAlerts: Int

    public init(head: IncidentHead, firingAlerts: Int) {
        self.head = head
        self.firingAlerts = firingAlerts
    }
}

/// What the shell must load before correlating a notification.
public struct CorrelationLookup: Sendable, Equatable {
    public var receiver: String
    /// Exactly the episodes the notification names: a flapping alert's past episodes are never
    /// read (the reopen window works from incidents by key, not from episodes).
    public var episodes: Set<EpisodeKey>
    public var keys: Set<String>

    public init(receiver: String, episodes: Set<EpisodeKey>, keys: Set<String>) {
        self.receiver = receiver
        self.episodes = episodes
        self.keys = keys
    }
}
