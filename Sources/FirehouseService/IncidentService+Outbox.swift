import FirehouseCore

extension IncidentService {
    /// The oldest pending delivery of each target (or of `target` only), if it is due and its
    /// commit is durable: a chat message must not announce what a power loss could still erase
    /// (and reused ids would then repeat an Idempotency-Key). A target's messages go out in order,
    /// and one whose receiver is down waits without holding up the others.
    /// With several replicas, a target's queue is worked by the one holding its lease.
    public func dueDeliveries(target: String?) async throws -> [PendingDelivery] {
        let now = clock.now()
        if let target, try await !leases.claim("outbox \(target)", for: leases.outbox, on: store, now: now) { return [] }
        let durable = await store.durableOutboxID()
        let (due, unknown) = try await store.read { reads in
            var due: [PendingDelivery] = []
            var unknown: [Int64] = []
            for id in try reads.outboxHeads(target: target, through: durable) {
                guard let row = try reads.outboxRow(id: id, dueBy: now) else { continue }
                guard let event = OutboundEvent(rawValue: row.event) else {
                    unknown.append(id)
                    continue
                }
                guard let head = try reads.head(id: row.incidentID) else { continue }
                due.append(PendingDelivery(id: row.id, target: row.target, event: event, attempts: row.attempts,
                                           incident: try reads.summary(of: head), entry: row.entry))
            }
            return (due, unknown)
        }
        if !unknown.isEmpty {
            // Rows a newer version wrote would block their target's queue forever: give them up.
            try await recordingWrite { tx, recorder in
                for id in unknown { _ = try Self.finish(id, .failed(reason: "unknown event"), now: now, tx: tx, recorder: recorder) }
            }
        }
        return due
    }

    @discardableResult
    public func finishDelivery(_ id: Int64, _ decision: DeliveryPolicy.Decision) async throws -> TimelineDraft? {
        let now = clock.now()
        return try await recordingWrite { tx, recorder in try Self.finish(id, decision, now: now, tx: tx, recorder: recorder) }
    }

    /// Records one attempt that carried several rows (a storm digest), in one transaction.
    public func finishDeliveries(_ ids: [Int64], _ decision: DeliveryPolicy.Decision) async throws {
        let now = clock.now()
        try await recordingWrite { tx, recorder in
            for id in ids { _ = try Self.finish(id, decision, now: now, tx: tx, recorder: recorder) }
        }
    }

    /// What the storm digest decides on: how many `opened` rows `target` queued since `since`, and
    /// its pending ones that are due and durable (oldest first, at most `limit`), as deliveries.
    public func openings(target: String, since: Timestamp, limit: Int) async throws -> (recent: Int, pending: [PendingDelivery]) {
        let now = clock.now()
        let durable = await store.durableOutboxID()
        return try await store.read { reads in
            let recent = try reads.openingCount(target: target, since: since)
            var pending: [PendingDelivery] = []
            for (id, _) in try reads.pendingOpenings(target: target, through: durable, limit: limit) {
                guard let row = try reads.outboxRow(id: id, dueBy: now), let head = try reads.head(id: row.incidentID) else { continue }
                pending.append(PendingDelivery(id: row.id, target: row.target, event: .opened, attempts: row.attempts,
                                               incident: try reads.summary(of: head), entry: row.entry))
            }
            return (recent, pending)
        }
    }

    public func chatThread(incidentID: Int64, target: String) async throws -> ChatThread? {
        try await store.read { try $0.chatThread(incidentID: incidentID, target: target) }
    }

    public func saveChatThread(_ thread: ChatThread, incidentID: Int64, target: String) async throws {
        let now = clock.now()
        try await store.write { try $0.saveChatThread(thread, incidentID: incidentID, target: target, at: now) }
    }

    /// Records the attempt; a final failure also goes on the incident's timeline (returned).
    private static func finish(_ id: Int64, _ decision: DeliveryPolicy.Decision, now: Timestamp, tx: any StoreTransaction,
                               recorder: TimelineRecorder) throws -> TimelineDraft? {
        guard let finished = try tx.finishDelivery(id, decision, at: now), case .failed(let reason) = decision else { return nil }
        let entry = TimelineDraft(
            at: now, actor: SystemActor.firehouse,
            text: "notification \(finished.event) to \(finished.target) failed: \(reason)",
            event: .notificationFailed(target: finished.target, event: finished.event, attempts: finished.attempts, delivery: id))
        try recorder.append(entry, incidentID: finished.incidentID)
        return entry
    }

    public func outboxDepth() async throws -> [OutboxDepth] {
        try await store.read { try $0.outboxDepth() }
    }

    /// One replica prunes per round (the holder of the `retention` lease).
    public func pruneDeliveries(finishedBefore cutoff: Timestamp) async throws -> Int {
        guard try await leases.claim("retention", for: leases.rounds, on: store, now: clock.now()) else { return 0 }
        return try await store.write { try $0.pruneDeliveries(finishedBefore: cutoff) }
    }

    /// Escalates every incident the policy says is due now, in one transaction (the entry queues
    /// the re-notification).
    /// One replica escalates (the holder of the `escalation` lease), so an incident escalates once.
    public func escalate(_ policy: EscalationPolicy) async throws -> [Escalation] {
        let now = clock.now()
        guard try await leases.claim("escalation", for: leases.rounds, on: store, now: now) else { return [] }
        return try await recordingWrite { tx, recorder in
            var escalated: [Escalation] = []
            for candidate in try tx.escalationCandidates(minSeverity: policy.minSeverity, openedBefore: policy.openedBefore(now)) {
                guard let head = try tx.head(id: candidate.incidentID),
                      let entry = policy.escalation(of: head, record: candidate.record, now: now) else { continue }
                try tx.recordEscalation(incidentID: head.id, at: now)
                try recorder.append(entry, incidentID: head.id)
                escalated.append(Escalation(head: head, entry: entry))
            }
            return escalated
        }
    }
}
