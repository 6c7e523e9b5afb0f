/// Storage that cannot do its job right now; callers should retry later (HTTP 503).
public struct StorageUnavailable: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "storage unavailable: \(reason)" }
}

/// What a human action did.
public enum ActionResult: Sendable, Equatable {
    case notFound
    /// Nothing to do; the text says why (e.g. "INC-3 is already acknowledged").
    case unchanged(String)
    /// Not allowed from the incident's state; the text says why and what is possible.
    case refused(String)
    /// Done: the incident's new head and the timeline entries written.
    case changed(IncidentHead, [TimelineDraft])
}

/// A post-mortem draft as stored when an incident was closed.
public struct StoredPostmortem: Sendable, Equatable {
    public var version: Int
    public var generatedAt: Timestamp
    public var markdown: String

    public init(version: Int, generatedAt: Timestamp, markdown: String) {
        self.version = version
        self.generatedAt = generatedAt
        self.markdown = markdown
    }
}

/// A count of open incidents with one severity and status.
public struct OpenIncidentCount: Sendable, Equatable {
    public var severity: Severity
    public var status: IncidentStatus
    public var count: Int

    public init(severity: Severity, status: IncidentStatus, count: Int) {
        self.severity = severity
        self.status = status
        self.count = count
    }
}

/// A notification that cannot be stored however often it is sent (a constraint, a bug): kept as a
/// dead letter and answered 422, so Alertmanager does not retry it forever.
public struct NotificationRejected: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "notification rejected: \(reason)" }
}
