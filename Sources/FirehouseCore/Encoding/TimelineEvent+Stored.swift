/// The stored form of timeline events: the `kind` string and the flat `data` object that the
/// database holds and the API shows. Existing rows decode unchanged; a row that does not
/// re-encode to exactly what is stored stays `.unrecognized`, so nothing read is ever altered.
extension TimelineEvent {
    /// The key every entry made by a person carries its actor's stable id under.
    static let actorIDKey = "actorID"

    /// `kind` and `data` as stored; `actorID` joins the data when set.
    public func stored(actorID: String?) -> (kind: String, data: [String: String]) {
        var data = fields
        if let actorID { data[Self.actorIDKey] = actorID }
        return (kind?.rawValue ?? storedKind, data)
    }

    /// Reads a stored entry; returns the event and the actor id kept in its data.
    public static func decode(kind: String, data: [String: String]) -> (event: TimelineEvent, actorID: String?) {
        var fields = data
        let actorID = fields.removeValue(forKey: actorIDKey)
        if let kind = TimelineKind(rawValue: kind), let event = typed(kind, fields), event.fields == fields {
            return (event, actorID)
        }
        return (.unrecognized(kind: kind, data: data), nil)
    }

    private var storedKind: String {
        if case .unrecognized(let kind, _) = self { return kind }
        return kind!.rawValue
    }

    /// The event's facts as strings, without the actor id.
    var fields: [String: String] {
        switch self {
        case .incidentOpened(let severity, .alerts(let receiver, let groupKey)):
            return ["receiver": receiver, "groupKey": groupKey, "severity": severity.name]
        case .incidentOpened(let severity, .declared):
            return ["severity": severity.name]
        case .alertFired(let alert):
            return alert.fields
        case .alertResolved(let alert, let endsAt):
            var data = alert.fields
            if let endsAt { data["endsAt"] = endsAt.rfc3339 }
            return data
        case .incidentReopened(let count):
            return ["reopenCount": String(count)]
        case .incidentResolved, .note:
            return [:]
        case .severityChanged(let from, let to):
            return ["from": from.name, "to": to.name]
        case .notificationTruncated(let count):
            return ["truncatedAlerts": String(count)]
        case .statusChanged(let from, let to, let summary):
            var data = ["from": from.rawValue, "to": to.rawValue]
            if let summary { data["summary"] = summary }
            return data
        case .roleAssigned(let role, let user, let previous):
            var data = ["role": role, "user": user.name, "userID": user.id]
            if let previous { data["previous"] = previous }
            return data
        case .roleUnassigned(let role, let user):
            return ["role": role, "user": user.name, "userID": user.id]
        case .titleChanged(let from, let to):
            return ["from": from, "to": to]
        case .runbookAttached(let id, let title, let path):
            return ["runbook": id, "title": title, "path": path]
        case .postmortemGenerated(let version):
            return ["version": String(version)]
        case .escalated(let count, let severity, let waited):
            return ["escalation": String(count), "severity": severity.name, "unacknowledgedFor": waited]
        case .silenced(let id, let matchers, let endsAt):
            return ["silenceID": id, "matchers": matchers, "endsAt": endsAt.rfc3339]
        case .unsilenced(let ids):
            return ["silenceIDs": ids.joined(separator: ",")]
        case .notificationFailed(let target, let event, let attempts, let delivery):
            return ["target": target, "event": event, "attempts": String(attempts), "delivery": String(delivery)]
        case .unrecognized(_, let data):
            return data
        }
    }

    private static func typed(_ kind: TimelineKind, _ d: [String: String]) -> TimelineEvent? {
        func severity(_ key: String) -> Severity? { d[key].flatMap(Severity.init(name:)) }
        func status(_ key: String) -> IncidentStatus? { d[key].flatMap(IncidentStatus.init(rawValue:)) }
        func int(_ key: String) -> Int? { d[key].flatMap { Int($0) } }
        func time(_ key: String) -> Timestamp? { d[key].flatMap(Timestamp.init(rfc3339:)) }
        func alert() -> AlertReference? {
            guard let fingerprint = d["fingerprint"], let startsAt = time("startsAt") else { return nil }
            return AlertReference(fingerprint: fingerprint, startsAt: startsAt, alertname: d["alertname"])
        }
        func user() -> ChatUser? {
            guard let id = d["userID"], let name = d["user"] else { return nil }
            return ChatUser(id: id, name: name)
        }
        switch kind {
        case .incidentOpened:
            guard let severity = severity("severity") else { return nil }
            if let receiver = d["receiver"], let groupKey = d["groupKey"] {
                return .incidentOpened(severity: severity, source: .alerts(receiver: receiver, groupKey: groupKey))
            }
            return .incidentOpened(severity: severity, source: .declared)
        case .alertFired:
            return alert().map(TimelineEvent.alertFired)
        case .alertResolved:
            return alert().map { .alertResolved($0, endsAt: time("endsAt")) }
        case .incidentReopened:
            return int("reopenCount").map(TimelineEvent.incidentReopened)
        case .incidentResolved:
            return .incidentResolved
        case .severityChanged:
            guard let from = severity("from"), let to = severity("to") else { return nil }
            return .severityChanged(from: from, to: to)
        case .notificationTruncated:
            return int("truncatedAlerts").map(TimelineEvent.notificationTruncated)
        case .statusChanged:
            guard let from = status("from"), let to = status("to") else { return nil }
            return .statusChanged(from: from, to: to, summary: d["summary"])
        case .roleAssigned:
            guard let role = d["role"], let user = user() else { return nil }
            return .roleAssigned(role: role, user: user, previous: d["previous"])
        case .roleUnassigned:
            guard let role = d["role"], let user = user() else { return nil }
            return .roleUnassigned(role: role, user: user)
        case .note:
            return .note
        case .titleChanged:
            guard let from = d["from"], let to = d["to"] else { return nil }
            return .titleChanged(from: from, to: to)
        case .runbookAttached:
            guard let id = d["runbook"], let title = d["title"], let path = d["path"] else { return nil }
            return .runbookAttached(id: id, title: title, path: path)
        case .postmortemGenerated:
            return int("version").map(TimelineEvent.postmortemGenerated)
        case .escalated:
            guard let count = int("escalation"), let severity = severity("severity"), let waited = d["unacknowledgedFor"] else { return nil }
            return .escalated(escalation: count, severity: severity, unacknowledgedFor: waited)
        case .silenced:
            guard let id = d["silenceID"], let matchers = d["matchers"], let endsAt = time("endsAt") else { return nil }
            return .silenced(silenceID: id, matchers: matchers, endsAt: endsAt)
        case .unsilenced:
            guard let ids = d["silenceIDs"] else { return nil }
            return .unsilenced(silenceIDs: ids.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        case .notificationFailed:
            guard let target = d["target"], let event = d["event"], let attempts = int("attempts"),
                  let delivery = d["delivery"].flatMap({ Int64($0) }) else { return nil }
            return .notificationFailed(target: target, event: event, attempts: attempts, delivery: delivery)
        }
    }
}

extension TimelineEvent.AlertReference {
    var fields: [String: String] {
        var data = ["fingerprint": fingerprint, "startsAt": startsAt.rfc3339]
        if let alertname { data["alertname"] = alertname }
        return data
    }

    /// The episode an alert of a notification is.
    public init(_ alert: AlertmanagerNotification.Alert) {
        self.init(fingerprint: alert.fingerprint, startsAt: alert.startsAt, alertname: alert.labels["alertname"])
    }
}
