/// Durable storage of incidents; SQLite now, PostgreSQL later. SQL stays behind this protocol.
public protocol IncidentRepository: Sendable {
    /// Correlates and commits everything in the notification; returns only after a durable commit.
    func ingest(_ notification: AlertmanagerNotification) async throws -> [IngestResult]
    func incidents(_ query: IncidentQuery) async throws -> IncidentPage
    /// nil when no incident has this id.
    func incident(id: Int64) async throws -> IncidentDetail?
    /// nil when no incident has this id.
    func timeline(incidentID: Int64) async throws -> [TimelineEntry]?
    /// Opens an incident by hand (no alert); the severity is pinned.
    func declare(title: String, severity: Severity, actor: Actor) async throws -> IncidentHead
    /// Applies a human action (lifecycle move, severity, roles, note, title) in one transaction.
    func perform(_ action: IncidentAction, on id: Int64, actor: Actor) async throws -> ActionResult
    /// A stored post-mortem draft: the given version, or the latest when `version` is nil.
    func postmortem(incidentID: Int64, version: Int?) async throws -> StoredPostmortem?
    /// Aggregates over the incidents opened in the query's window.
    func stats(_ query: StatsQuery) async throws -> IncidentStats
    /// How many incidents are open, by severity and status.
    func openIncidentCounts() async throws -> [OpenIncidentCount]
    /// Throws unless the database is open, migrated and answering.
    func checkReady() async throws

    // MARK: Outbound notifications

    /// The oldest pending delivery of each target (or of `target` only) whose next attempt is due
    /// now and whose commit is on disk.
    func dueDeliveries(target: String?) async throws -> [PendingDelivery]
    /// Records what an attempt did; a final failure also writes a timeline entry (returned).
    @discardableResult
    func finishDelivery(_ id: Int64, _ decision: DeliveryPolicy.Decision) async throws -> TimelineDraft?
    /// Pending and failed deliveries per target.
    func outboxDepth() async throws -> [OutboxDepth]
    /// Deletes delivery records of notifications delivered before `cutoff`; returns how many.
    func pruneDeliveries(finishedBefore cutoff: Timestamp) async throws -> Int
    /// Escalates every incident the policy says is due now, in one transaction.
    func escalate(_ policy: EscalationPolicy) async throws -> [Escalation]

    // MARK: Silences

    /// Records a silence created in Alertmanager; nil when no incident has this id.
    func recordSilence(_ silenceID: String, request: SilenceRequest, incidentID: Int64, actor: Actor) async throws -> TimelineDraft?
    /// The incident's silences that have not ended; nil when no incident has this id.
    func activeSilences(incidentID: Int64) async throws -> [RecordedSilence]?
    /// Marks silences expired (after Alertmanager expired them) and records it on the timeline.
    func expireSilences(_ silenceIDs: [String], incidentID: Int64, actor: Actor) async throws -> TimelineDraft

    // MARK: Dead letters and replays

    /// Keeps a rejected notification durably, once per distinct body (a repeat counts an attempt);
    /// returns its id.
    func deadLetter(_ draft: DeadLetterDraft) async throws -> Int64
    /// Kept dead letters, newest first.
    func deadLetters(limit: Int) async throws -> [DeadLetter]
    /// True the first time this request signature (`mac`) is seen; durable, so a replay is refused
    /// after a restart too. Signatures of requests older than `forgetBefore` (seconds) are dropped:
    /// the timestamp window refuses those anyway.
    func firstSighting(mac: [UInt8], timestamp: Int64, forgetBefore: Int64) async throws -> Bool
}

extension IncidentRepository {
    /// The due head of every target's queue.
    public func dueDeliveries() async throws -> [PendingDelivery] { try await dueDeliveries(target: nil) }
}

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

/// Writes the post-mortem draft of an incident that was just closed (the template lives in the shell).
public typealias PostmortemDrafter = @Sendable (IncidentDetail) -> String

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
