import FirehouseCore

/// Every use case of an incident, as controllers and background services call them. `IncidentService`
/// implements it over any `IncidentStore`; tests substitute it to fail on purpose.
public protocol IncidentUseCases: Sendable {
    /// Correlates and commits everything in the notification; returns only after a durable commit.
    func ingest(_ notification: AlertmanagerNotification) async throws -> [IngestResult]
    func incidents(_ query: IncidentQuery) async throws -> IncidentPage
    /// nil when no incident has this id.
    func incident(id: Int64) async throws -> IncidentDetail?
    /// nil when no incident has this id.
    func timeline(incidentID: Int64) async throws -> [TimelineEntry]?
    /// Opens an incident by hand (no alert); the severity is pinned. A drill is a rehearsal.
    func declare(title: String, severity: Severity, actor: Actor, drill: Bool) async throws -> IncidentHead
    /// Opens a drill that rehearses a runbook: titled after it, the runbook attached; nil when no
    /// runbook has this id.
    func startDrill(runbookID: String, severity: Severity?, actor: Actor) async throws -> IncidentHead?
    /// Every configured service's error budget now.
    func sloReports() async throws -> [ErrorBudget.Report]
    /// Opens or resolves the pipeline-silent incident as the heartbeat says. Silence counts from
    /// `watchingSince` at the earliest (this process's start: Firehouse's own downtime is not the
    /// pipeline's).
    @discardableResult
    func checkHeartbeat(watchingSince: Timestamp?) async throws -> Heartbeat.Decision
    /// Applies a human action (lifecycle move, severity, roles, note, title) in one transaction.
    func perform(_ action: IncidentAction, on id: Int64, actor: Actor) async throws -> ActionResult
    /// A stored post-mortem draft: the given version, or the latest when `version` is nil.
    func postmortem(incidentID: Int64, version: Int?) async throws -> StoredPostmortem?
    /// Aggregates over the incidents opened in the query's window.
    func stats(_ query: StatsQuery) async throws -> IncidentStats
    /// How many incidents are open, by severity and status.
    func openIncidentCounts() async throws -> [OpenIncidentCount]
    /// Who holds `role` now in each of these incidents (those where nobody does are left out).
    func roleHolders(_ role: String, incidentIDs: [Int64]) async throws -> [Int64: String]
    /// The ids of the runbooks attached to an incident, in attachment order.
    func runbookIDs(incidentID: Int64) async throws -> [String]
    /// How many incidents there are in each status (the web view's filter counts).
    func incidentCountsByStatus() async throws -> [IncidentStatus: Int]
    /// Throws unless the database is open, migrated and answering.
    func checkReady() async throws

    // MARK: Outbound notifications

    /// The oldest pending delivery of each target (or of `target` only) whose next attempt is due
    /// now and whose commit is on disk.
    func dueDeliveries(target: String?) async throws -> [PendingDelivery]
    /// Records what an attempt did; a final failure also writes a timeline entry (returned).
    @discardableResult
    func finishDelivery(_ id: Int64, _ decision: DeliveryPolicy.Decision) async throws -> TimelineDraft?
    /// Records one attempt that carried several rows (a storm digest).
    func finishDeliveries(_ ids: [Int64], _ decision: DeliveryPolicy.Decision) async throws
    /// How many `opened` rows `target` queued since `since`, and its due pending ones (oldest first).
    func openings(target: String, since: Timestamp, limit: Int) async throws -> (recent: Int, pending: [PendingDelivery])
    /// Where the incident's message on `target` lives (Slack app mode); nil before the first post.
    func chatThread(incidentID: Int64, target: String) async throws -> ChatThread?
    func saveChatThread(_ thread: ChatThread, incidentID: Int64, target: String) async throws
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

extension IncidentUseCases {
    public func declare(title: String, severity: Severity, actor: Actor) async throws -> IncidentHead {
        try await declare(title: title, severity: severity, actor: actor, drill: false)
    }

    /// The due head of every target's queue.
    public func dueDeliveries() async throws -> [PendingDelivery] { try await dueDeliveries(target: nil) }

    @discardableResult
    public func checkHeartbeat() async throws -> Heartbeat.Decision { try await checkHeartbeat(watchingSince: nil) }
}

/// Writes the post-mortem draft of an incident that was just closed (the template lives in the shell).
/// Given the incident and the error budgets of the services it was charged to (empty for a drill
/// or without SLOs).
public typealias PostmortemDrafter = @Sendable (IncidentDetail, [ErrorBudget.Report]) -> String
