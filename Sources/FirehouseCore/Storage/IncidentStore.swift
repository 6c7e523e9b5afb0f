/// Durable storage as narrow transactional primitives in domain types: SQL lives behind it, use
/// cases live in front of it (`IncidentService`). Every backend passes `StoreConformance`.
///
/// Transactions are synchronous closures: SQLite (GRDB) writes on one serial connection and the
/// group commit runs many notifications' scripts in one transaction, so a script must not
/// suspend while it holds the writer. A backend whose driver is asynchronous runs the script on a
/// thread of its own and waits there for each statement.
public protocol IncidentStore: Sendable {
    /// Runs `body` on a consistent snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReads) throws -> T) async throws -> T
    /// Runs `body` in one transaction; returns only once the commit is durable. An error thrown by
    /// `body` rolls everything back.
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
    /// Like `write`, but may share its transaction (and its flush) with concurrent callers: the
    /// ingest path. A `body` that fails does not take the others with it (only the store being
    /// unavailable fails them all, as it would have alone). `keys` are the correlation
    /// keys `body` will lock: a backend that runs several bodies in one transaction takes all of
    /// theirs first, in one order, so two replicas' groups never wait on each other in a cycle.
    func groupWrite<T: Sendable>(locking keys: [String], _ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
    /// `groupWrite(locking: lookup.keys)` of an ingest body: it reads `lookup` through
    /// `correlationCandidates` before it writes, and writes only what that read names or finds
    /// (its keys, its episodes, their incidents) and new incidents. A backend may then read for
    /// all of a group's bodies at once.
    func groupWrite<T: Sendable>(correlating lookup: CorrelationLookup,
                                 _ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T
    /// The highest outbox id known to be durable: rows past it are committed but may not survive
    /// a power loss yet, so they are not announced.
    func durableOutboxID() async -> Int64
    /// Throws unless the database is open, migrated and answering.
    func checkReady() async throws
    /// Takes or renews the lease `name` for `owner` until `until`; true when `owner` holds it. Held
    /// elsewhere and not yet expired at `now`: false. Background work (an outbox target's queue,
    /// an escalation round) runs on one replica at a time; a dead holder's lease runs out.
    func claimLease(_ name: String, owner: String, until: Timestamp, now: Timestamp) async throws -> Bool
}

/// Reads inside a snapshot or a transaction.
public protocol StoreReads {
    func head(id: Int64) throws -> IncidentHead?
    /// The head with its alert counts.
    func summary(of head: IncidentHead) throws -> IncidentSummary
    func detail(id: Int64) throws -> IncidentDetail?
    func page(_ query: IncidentQuery) throws -> IncidentPage
    func timeline(incidentID: Int64) throws -> [TimelineEntry]
    /// Every assignment, current and past, oldest first.
    func roles(incidentID: Int64) throws -> [RoleAssignment]
    /// Attached runbook ids, in attachment order.
    func runbookIDs(incidentID: Int64) throws -> [String]
    /// The given version, or the latest when `version` is nil.
    func postmortem(incidentID: Int64, version: Int?) throws -> StoredPostmortem?
    /// Incidents opened in the query's window (and of its service, if set), oldest first.
    func statsRecords(_ query: StatsQuery) throws -> [StatsRecord]
    func openIncidentCounts() throws -> [OpenIncidentCount]
    /// How many incidents there are in each status (statuses without any are left out).
    func incidentCountsByStatus() throws -> [IncidentStatus: Int]

    // MARK: Correlation

    /// Stored episodes of `receiver` with these keys (one seek each on the unique episode index).
    func episodes(receiver: String, keys: Set<EpisodeKey>) throws -> [EpisodeKey: StoredEpisode]
    /// The newest incident with this correlation key that is neither resolved nor closed.
    func activeIncident(correlationKey: String) throws -> Int64?
    /// The newest incident with this correlation key, whatever its status.
    func latestIncident(correlationKey: String) throws -> (id: Int64, status: IncidentStatus)?
    func firingAlertCount(incidentID: Int64) throws -> Int

    // Batches of the correlation reads above: one statement each where a round trip costs
    // (PostgreSQL); the defaults below loop over the single forms (SQLite, in process).

    /// The notification's stored episodes, and for each key its active incident and its newest
    /// incident when that one is resolved.
    func correlationCandidates(_ lookup: CorrelationLookup) throws -> CorrelationCandidates
    /// These incidents (ids in ascending order) with their firing counts and attached runbooks;
    /// in a write transaction their heads are locked, in that order. Unknown ids are left out.
    func incidentSnapshots(ids: [Int64]) throws -> [Int64: AttachedSnapshot]

    // MARK: Silences, escalation, outbox, dead letters

    /// Silences neither ended by `now` nor expired.
    func activeSilences(incidentID: Int64, now: Timestamp) throws -> [RecordedSilence]
    /// Active, unacknowledged incidents at least `minSeverity` opened at or before `openedBefore`.
    func escalationCandidates(minSeverity: Severity, openedBefore: Timestamp) throws -> [EscalationCandidate]
    /// The oldest pending row of each target (or of `target` only) whose id is at most `through`.
    func outboxHeads(target: String?, through: Int64) throws -> [Int64]
    /// A pending row whose next attempt is due by `now`, with the entry it announces.
    func outboxRow(id: Int64, dueBy now: Timestamp) throws -> OutboxRow?
    func outboxDepth() throws -> [OutboxDepth]
    /// How many `opened` rows were queued for `target` at or after `since`, whatever their state
    /// (the storm digest's count).
    func openingCount(target: String, since: Timestamp) throws -> Int
    /// The ids of `target`'s pending `opened` rows (at most `through`) and when each was queued,
    /// oldest first, at most `limit`.
    func pendingOpenings(target: String, through: Int64, limit: Int) throws -> [(id: Int64, at: Timestamp)]
    /// Incidents whose impact may reach past `since` (not resolved, or resolved at or after it),
    /// with what SLO arithmetic needs.
    func impactRecords(endingAfter since: Timestamp) throws -> [ImpactRecord]
    /// When the heartbeat `name` last arrived (or watching began); nil before either.
    func heartbeat(name: String) throws -> Timestamp?
    /// Where the incident's message on `target` lives, once one was posted (Slack app mode).
    func chatThread(incidentID: Int64, target: String) throws -> ChatThread?
    /// Newest first.
    func deadLetters(limit: Int) throws -> [DeadLetter]
}

/// Writes; only inside `IncidentStore.write` or `groupWrite`.
public protocol StoreTransaction: StoreReads {
    /// Holds these correlation keys until the transaction ends, so two replicas given the same
    /// notification correlate one after the other (the second sees the first's incident). A
    /// backend with a single writer has nothing to do.
    func lockCorrelationKeys(_ keys: [String]) throws
    /// Inserts a new incident (its `id` is ignored) and returns its id.
    func insertIncident(_ head: IncidentHead, at: Timestamp) throws -> Int64
    func updateIncident(_ head: IncidentHead, at: Timestamp) throws
    func insertAlert(_ alert: NewAlert, stored: PreparedNotification.EncodedAlert, incidentID: Int64, at: Timestamp) throws
    func updateAlert(_ change: AlertUpdate, at: Timestamp) throws
    /// Moves `lastSeenAt` of episodes seen again unchanged.
    func touchAlerts(_ episodeIDs: [Int64], at: Timestamp) throws
    /// Attaches once; attaching again does nothing.
    func attachRunbook(_ runbookID: String, incidentID: Int64, at: Timestamp) throws
    /// Writes the entry and returns its id. Callers go through `TimelineRecorder`, which also queues
    /// the entry's deliveries.
    func appendTimeline(_ entry: TimelineDraft, incidentID: Int64) throws -> Int64
    func enqueueDelivery(incidentID: Int64, timelineID: Int64, target: String, event: OutboundEvent, at: Timestamp) throws

    // Batches of the three above: one statement each where a round trip costs (PostgreSQL); the
    // defaults below loop over the single forms (SQLite, in process).

    func insertAlerts(_ alerts: [(alert: NewAlert, stored: PreparedNotification.EncodedAlert)], incidentID: Int64, at: Timestamp) throws
    func updateAlerts(_ changes: [AlertUpdate], at: Timestamp) throws
    /// The entries' ids, in order.
    func appendTimeline(_ entries: [TimelineDraft], incidentID: Int64) throws -> [Int64]
    func enqueueDeliveries(_ deliveries: [QueuedDelivery], incidentID: Int64) throws
    /// A new incident with all it starts with: one statement on PostgreSQL (a storm's new
    /// incident otherwise takes four round trips under its correlation lock); the default calls
    /// the primitives above in order. Callers go through `TimelineRecorder`.
    func openIncident(_ opening: IncidentOpening) throws -> OpenedIncident
    func endRole(assignmentID: Int64, at: Timestamp) throws
    func startRole(_ start: IncidentActions.RoleStart, incidentID: Int64, assignedBy: String, at: Timestamp) throws
    /// Stores the draft as the incident's next version and returns that version.
    func insertPostmortem(incidentID: Int64, markdown: String, at: Timestamp) throws -> Int
    func insertSilence(_ silenceID: String, request: SilenceRequest, incidentID: Int64, createdBy: String) throws
    /// Marks a silence expired unless it already is.
    func expireSilence(_ silenceID: String, incidentID: Int64, by: String, at: Timestamp) throws
    func recordEscalation(incidentID: Int64, at: Timestamp) throws
    /// Records an attempt's result on a pending row; a row no longer pending is left alone and
    /// nil returned, so a late duplicate report cannot undo a delivery.
    func finishDelivery(_ id: Int64, _ decision: DeliveryPolicy.Decision, at: Timestamp) throws -> FinishedDelivery?
    /// Moves the heartbeat's last arrival forward to `at` (never back).
    func recordHeartbeat(name: String, at: Timestamp) throws
    /// Remembers (or replaces) where the incident's message on `target` lives.
    func saveChatThread(_ thread: ChatThread, incidentID: Int64, target: String, at: Timestamp) throws
    /// Deletes delivered rows finished before `cutoff`; returns how many.
    func pruneDeliveries(finishedBefore cutoff: Timestamp) throws -> Int
    /// Keeps the body once per digest (a repeat counts an attempt); returns the dead letter's id.
    func keepDeadLetter(_ draft: DeadLetterDraft, at: Timestamp) throws -> Int64
    /// True the first time `mac` is recorded; first forgets signatures of requests before `forgetBefore`.
    func recordSignature(mac: [UInt8], timestamp: Int64, forgetBefore: Int64) throws -> Bool
}

/// One outbox row to write: an entry's event for a target.
public struct QueuedDelivery: Sendable, Equatable {
    public var timelineID: Int64
    public var target: String
    public var event: OutboundEvent
    public var at: Timestamp

    public init(timelineID: Int64, target: String, event: OutboundEvent, at: Timestamp) {
        self.timelineID = timelineID
        self.target = target
        self.event = event
        self.at = at
    }
}

extension StoreReads {
    public func correlationCandidates(_ lookup: CorrelationLookup) throws -> CorrelationCandidates {
        var candidates = CorrelationCandidates(episodes: try episodes(receiver: lookup.receiver, keys: lookup.episodes))
        for key in lookup.keys {
            if let active = try activeIncident(correlationKey: key) { candidates.activeByKey[key] = active }
            if let latest = try latestIncident(correlationKey: key), latest.status == .resolved {
                candidates.resolvedByKey[key] = latest.id
            }
        }
        return candidates
    }

    public func incidentSnapshots(ids: [Int64]) throws -> [Int64: AttachedSnapshot] {
        var snapshots: [Int64: AttachedSnapshot] = [:]
        for id in ids {
            guard let head = try head(id: id) else { continue }
            snapshots[id] = AttachedSnapshot(snapshot: IncidentSnapshot(head: head, firingAlerts: try firingAlertCount(incidentID: id)),
                                             runbooks: Set(try runbookIDs(incidentID: id)))
        }
        return snapshots
    }
}

/// What a notification's correlation starts from (`StoreReads.correlationCandidates`).
public struct CorrelationCandidates: Sendable, Equatable {
    public var episodes: [EpisodeKey: StoredEpisode]
    public var activeByKey: [String: Int64]
    public var resolvedByKey: [String: Int64]

    public init(episodes: [EpisodeKey: StoredEpisode] = [:], activeByKey: [String: Int64] = [:], resolvedByKey: [String: Int64] = [:]) {
        self.episodes = episodes
        self.activeByKey = activeByKey
        self.resolvedByKey = resolvedByKey
    }
}

extension CorrelationCandidates {
    /// Every incident the candidates name.
    public var incidentIDs: Set<Int64> {
        Set(episodes.values.map(\.incidentID)).union(activeByKey.values).union(resolvedByKey.values)
    }
}

/// An incident as correlation sees it, with the runbooks already attached to it.
public struct AttachedSnapshot: Sendable, Equatable {
    public var snapshot: IncidentSnapshot
    public var runbooks: Set<String>

    public init(snapshot: IncidentSnapshot, runbooks: Set<String>) {
        self.snapshot = snapshot
        self.runbooks = runbooks
    }
}

extension IncidentStore {
    /// `groupWrite` of a body that locks no correlation key.
    public func groupWrite<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await groupWrite(locking: [], body)
    }

    public func groupWrite<T: Sendable>(correlating lookup: CorrelationLookup,
                                        _ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> T {
        try await groupWrite(locking: Array(lookup.keys), body)
    }
}

extension StoreTransaction {
    public func insertAlerts(_ alerts: [(alert: NewAlert, stored: PreparedNotification.EncodedAlert)], incidentID: Int64,
                             at: Timestamp) throws {
        for (alert, stored) in alerts { try insertAlert(alert, stored: stored, incidentID: incidentID, at: at) }
    }

    public func updateAlerts(_ changes: [AlertUpdate], at: Timestamp) throws {
        for change in changes { try updateAlert(change, at: at) }
    }

    public func appendTimeline(_ entries: [TimelineDraft], incidentID: Int64) throws -> [Int64] {
        try entries.map { try appendTimeline($0, incidentID: incidentID) }
    }

    public func enqueueDeliveries(_ deliveries: [QueuedDelivery], incidentID: Int64) throws {
        for d in deliveries {
            try enqueueDelivery(incidentID: incidentID, timelineID: d.timelineID, target: d.target, event: d.event, at: d.at)
        }
    }

    public func openIncident(_ opening: IncidentOpening) throws -> OpenedIncident {
        let id = try insertIncident(opening.head, at: opening.at)
        try insertAlerts(opening.alerts, incidentID: id, at: opening.at)
        let ids = try appendTimeline(opening.entries, incidentID: id)
        let deliveries = opening.deliveries.map { $0.queued(entries: opening.entries, timelineIDs: ids) }
        if !deliveries.isEmpty { try enqueueDeliveries(deliveries, incidentID: id) }
        for runbook in opening.runbooks { try attachRunbook(runbook, incidentID: id, at: opening.at) }
        return OpenedIncident(id: id, timelineIDs: ids)
    }
}

/// An incident the escalation policy may be due for, with its escalation record.
public struct EscalationCandidate: Sendable, Equatable {
    public var incidentID: Int64
    public var record: EscalationPolicy.Record

    public init(incidentID: Int64, record: EscalationPolicy.Record) {
        self.incidentID = incidentID
        self.record = record
    }
}

/// A pending outbox row as stored: `event` stays text, since a newer version may have written one
/// this version does not know.
public struct OutboxRow: Sendable, Equatable {
    public var id: Int64
    public var target: String
    public var event: String
    public var attempts: Int
    public var incidentID: Int64
    public var entry: TimelineEntry

    public init(id: Int64, target: String, event: String, attempts: Int, incidentID: Int64, entry: TimelineEntry) {
        self.id = id
        self.target = target
        self.event = event
        self.attempts = attempts
        self.incidentID = incidentID
        self.entry = entry
    }
}

/// A row `finishDelivery` changed, with what its timeline entry needs.
public struct FinishedDelivery: Sendable, Equatable {
    public var incidentID: Int64
    public var target: String
    public var event: String
    /// Attempts including this one.
    public var attempts: Int

    public init(incidentID: Int64, target: String, event: String, attempts: Int) {
        self.incidentID = incidentID
        self.target = target
        self.event = event
        self.attempts = attempts
    }
}
