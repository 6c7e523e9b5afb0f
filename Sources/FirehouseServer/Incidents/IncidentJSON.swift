import FirehouseCore

/// The API shape of an incident (contract of `/api/v1/incidents`): times are RFC 3339 UTC or null.
struct IncidentJSON: Encodable {
    var summary: IncidentSummary
    /// Present only on the single-incident endpoint.
    var detail: IncidentDetail?
    /// To describe attached runbooks (title, path); only with `detail`.
    var library: RunbookLibrary = RunbookLibrary()

    private enum Keys: String, CodingKey {
        case id, ref, title, status, severity, openedAt, acknowledgedAt, mitigatedAt, resolvedAt, closedAt
        case labels, receiver, reopenCount, alertCount, firingAlertCount, drill, alerts, roles, roleHistory, timeline
        case runbook, relatedRunbooks, runbookLinks
    }

    func encode(to encoder: any Encoder) throws {
        let head = summary.head
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(head.id, forKey: .id)
        try c.encode(IncidentReference.format(head.id), forKey: .ref)
        try c.encode(head.title, forKey: .title)
        try c.encode(head.status.rawValue, forKey: .status)
        try c.encode(head.severity.name, forKey: .severity)
        try c.encode(head.openedAt, forKey: .openedAt)
        try c.encode(head.milestones.acknowledgedAt, forKey: .acknowledgedAt)
        try c.encode(head.milestones.mitigatedAt, forKey: .mitigatedAt)
        try c.encode(head.milestones.resolvedAt, forKey: .resolvedAt)
        try c.encode(head.milestones.closedAt, forKey: .closedAt)
        try c.encode(head.labels, forKey: .labels)
        try c.encode(head.receiver, forKey: .receiver)
        try c.encode(head.reopenCount, forKey: .reopenCount)
        try c.encode(summary.alertCount, forKey: .alertCount)
        try c.encode(summary.firingAlertCount, forKey: .firingAlertCount)
        try c.encode(head.drill, forKey: .drill)
        if let detail {
            try c.encode(detail.alerts.map(AlertJSON.init), forKey: .alerts)
            try c.encode(detail.roles.filter(\.isCurrent).map(RoleJSON.init), forKey: .roles)
            try c.encode(detail.roles.map(RoleJSON.init), forKey: .roleHistory)
            try c.encode(detail.timeline.map(TimelineEntryJSON.init), forKey: .timeline)
            let primary = library.primary(of: detail.runbooks)
            let links = detail.runbookLinks
            if primary != nil || !links.isEmpty {
                try c.encode(AttachedRunbookJSON(id: primary?.id, title: primary?.title, path: primary?.path, url: links.first),
                             forKey: .runbook)
            } else {
                try c.encodeNil(forKey: .runbook)
            }
            let related = detail.runbooks.filter { $0 != primary?.id }.map { id in
                AttachedRunbookJSON(id: id, title: library[id]?.title, path: library[id]?.path, url: nil)
            }
            try c.encode(related, forKey: .relatedRunbooks)
            try c.encode(links, forKey: .runbookLinks)
        }
    }
}

struct AlertJSON: Encodable {
    var alert: AlertRecord

    private enum Keys: String, CodingKey {
        case fingerprint, status, labels, annotations, startsAt, endsAt, generatorURL, firstSeenAt, lastSeenAt
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(alert.fingerprint, forKey: .fingerprint)
        try c.encode(alert.status.rawValue, forKey: .status)
        try c.encode(alert.labels, forKey: .labels)
        try c.encode(alert.annotations, forKey: .annotations)
        try c.encode(alert.startsAt, forKey: .startsAt)
        try c.encode(alert.endsAt, forKey: .endsAt)
        try c.encode(alert.generatorURL, forKey: .generatorURL)
        try c.encode(alert.firstSeenAt, forKey: .firstSeenAt)
        try c.encode(alert.lastSeenAt, forKey: .lastSeenAt)
    }
}

struct TimelineEntryJSON: Encodable {
    var entry: TimelineEntry

    private enum Keys: String, CodingKey { case at, kind, actor, text, data }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        let stored = entry.stored
        try c.encode(entry.at, forKey: .at)
        try c.encode(stored.kind, forKey: .kind)
        try c.encode(entry.actor, forKey: .actor)
        try c.encode(entry.text, forKey: .text)
        try c.encode(stored.data, forKey: .data)
    }
}

struct IncidentPageJSON: Encodable {
    var incidents: [IncidentJSON]
    var next: Int64?

    private enum Keys: String, CodingKey { case incidents, next }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(incidents, forKey: .incidents)
        try c.encode(next, forKey: .next)
    }
}

/// A role assignment: `to` is null while the person still holds the role.
struct RoleJSON: Encodable {
    var assignment: RoleAssignment

    private enum Keys: String, CodingKey { case role, user, userID, from, to, assignedBy }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(assignment.role, forKey: .role)
        try c.encode(assignment.user.name, forKey: .user)
        try c.encode(assignment.user.id, forKey: .userID)
        try c.encode(assignment.from, forKey: .from)
        try c.encode(assignment.to, forKey: .to)
        try c.encode(assignment.assignedBy, forKey: .assignedBy)
    }
}

/// `{id, title, path, url}`: the local runbook (null fields when none matched) and the alert's runbook_url.
struct AttachedRunbookJSON: Encodable {
    var id: String?
    var title: String?
    var path: String?
    var url: String?

    private enum Keys: String, CodingKey { case id, title, path, url }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(path, forKey: .path)
        try c.encode(url, forKey: .url)
    }
}
