/// An incident as listed: its head and alert counts, without alerts and timeline.
public struct IncidentSummary: Sendable, Equatable {
    public var head: IncidentHead
    public var alertCount: Int
    public var firingAlertCount: Int

    public init(head: IncidentHead, alertCount: Int, firingAlertCount: Int) {
        self.head = head
        self.alertCount = alertCount
        self.firingAlertCount = firingAlertCount
    }
}

/// An incident with everything recorded about it.
public struct IncidentDetail: Sendable, Equatable {
    public var summary: IncidentSummary
    public var alerts: [AlertRecord]
    public var timeline: [TimelineEntry]
    /// Every role assignment, current and past, oldest first.
    public var roles: [RoleAssignment]
    /// Ids of the runbooks attached to it, in attachment order.
    public var runbooks: [String]

    public init(summary: IncidentSummary, alerts: [AlertRecord], timeline: [TimelineEntry], roles: [RoleAssignment] = [],
                runbooks: [String] = []) {
        self.summary = summary
        self.alerts = alerts
        self.timeline = timeline
        self.roles = roles
        self.runbooks = runbooks
    }

    /// Distinct `runbook_url` annotations of its alerts, always kept as links.
    public var runbookLinks: [String] {
        var seen = Set<String>()
        return alerts.compactMap { $0.annotations["runbook_url"] }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

/// A stored alert episode.
public struct AlertRecord: Sendable, Equatable {
    public var fingerprint: String
    public var status: AlertStatus
    public var labels: LabelSet
    public var annotations: LabelSet
    public var startsAt: Timestamp
    public var endsAt: Timestamp?
    public var generatorURL: String
    public var firstSeenAt: Timestamp
    public var lastSeenAt: Timestamp

    public init(fingerprint: String, status: AlertStatus, labels: LabelSet, annotations: LabelSet,
                startsAt: Timestamp, endsAt: Timestamp?, generatorURL: String,
                firstSeenAt: Timestamp, lastSeenAt: Timestamp) {
        self.fingerprint = fingerprint
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.firstSeenAt = firstSeenAt
        self.lastSeenAt = lastSeenAt
    }
}

/// A stored timeline entry.
public struct TimelineEntry: Sendable, Equatable {
    public var id: Int64
    public var at: Timestamp
    public var actor: String
    public var actorID: String?
    public var text: String
    public var event: TimelineEvent

    public init(id: Int64, at: Timestamp, actor: String, actorID: String? = nil, text: String, event: TimelineEvent) {
        self.id = id
        self.at = at
        self.actor = actor
        self.actorID = actorID
        self.text = text
        self.event = event
    }

    /// Reads an entry from its stored `kind` and `data`.
    public init(id: Int64, at: Timestamp, kind: String, actor: String, text: String, data: [String: String]) {
        let (event, actorID) = TimelineEvent.decode(kind: kind, data: data)
        self.init(id: id, at: at, actor: actor, actorID: actorID, text: text, event: event)
    }

    /// `kind` and `data` as the database and the API hold them (made anew on each call).
    public var stored: (kind: String, data: [String: String]) { event.stored(actorID: actorID) }
    /// The API's and the database's `kind`.
    public var kind: String { stored.kind }
    /// The API's and the database's `data`.
    public var data: [String: String] { stored.data }
}

/// A page of the incident list, newest first.
public struct IncidentPage: Sendable, Equatable {
    public var incidents: [IncidentSummary]
    /// Pass as `before` to get the next page; nil on the last page.
    public var next: Int64?

    public init(incidents: [IncidentSummary], next: Int64?) {
        self.incidents = incidents
        self.next = next
    }
}

/// Which incidents to list.
public struct IncidentQuery: Sendable, Equatable {
    public var status: IncidentStatusFilter
    public var limit: Int
    public var before: Int64?

    public init(status: IncidentStatusFilter = .all, limit: Int = 50, before: Int64? = nil) {
        self.status = status
        self.limit = limit
        self.before = before
    }
}

/// The reply to one ingested notification: what happened to each incident it touched.
public struct IngestResult: Sendable, Equatable, Codable {
    public var id: Int64
    public var action: IngestOutcome

    public init(id: Int64, action: IngestOutcome) {
        self.id = id
        self.action = action
    }
}
