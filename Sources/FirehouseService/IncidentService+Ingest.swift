import FirehouseCore

extension IncidentService {
    /// Prepares the notification on the caller's task, then joins the store's group commit with
    /// the script: load what correlation needs, correlate (pure), write the plan.
    /// Heartbeat alerts (`heartbeat.alertname`) only move the heartbeat's last arrival.
    public func ingest(_ notification: AlertmanagerNotification) async throws -> [IngestResult] {
        let (rest, beat) = withoutHeartbeat(notification)
        let heartbeat = beat ? self.heartbeat?.alertname : nil
        let clock = self.clock
        guard let rest else {
            if let heartbeat { try await store.groupWrite { try $0.recordHeartbeat(name: heartbeat, at: clock.now()) } }
            return []
        }
        let prepared = PreparedNotification(rest, runbooks: runbooks.library)
        let correlator = self.correlator
        let routes = self.routes
        let lookup = correlator.lookup(for: prepared.notification)
        let (results, recorded) = try await store.groupWrite(correlating: lookup) { tx in
            let now = clock.now()
            let recorder = TimelineRecorder(tx: tx, routes: routes)
            let results = try Self.ingest(prepared, lookup: lookup, correlator: correlator, now: now, recorder: recorder)
            // After the keys: the order a group takes them in (all keys first).
            if let heartbeat { try tx.recordHeartbeat(name: heartbeat, at: now) }
            return (results, recorder.recorded)
        }
        if !recorded.isEmpty { observer.committed(recorded) }
        return results
    }

    static func ingest(_ prepared: PreparedNotification, lookup: CorrelationLookup, correlator: Correlator, now: Timestamp,
                       recorder: TimelineRecorder) throws -> [IngestResult] {
        try recorder.tx.lockCorrelationKeys(Array(lookup.keys))
        let state = try correlationState(lookup, tx: recorder.tx)
        let plan = correlator.correlate(prepared.notification, state: state, now: now, runbooks: prepared.runbooks)
        return try write(plan, prepared: prepared, tx: recorder.tx, recorder: recorder)
    }

    /// Everything the correlator may look at for this notification.
    static func correlationState(_ lookup: CorrelationLookup, tx: any StoreReads) throws -> CorrelationState {
        let candidates = try tx.correlationCandidates(lookup)
        var state = CorrelationState(episodes: candidates.episodes, activeByKey: candidates.activeByKey,
                                     resolvedByKey: candidates.resolvedByKey)
        // In id order: a backend that locks heads as it reads them takes them in one order.
        let ids = candidates.incidentIDs.sorted()
        let snapshots = try tx.incidentSnapshots(ids: ids)
        for id in ids {
            // Foreign keys make this impossible; if it happens anyway, fail this notification (a
            // dead letter) rather than let the correlator meet an incident it was not given.
            guard let found = snapshots[id] else {
                throw NotificationRejected(reason: "stored alerts refer to incident \(id), which does not exist")
            }
            state.incidents[id] = found.snapshot
            state.attachedRunbooks[id] = found.runbooks
        }
        return state
    }

    static func write(_ plan: CorrelationPlan, prepared: PreparedNotification, tx: any StoreTransaction,
                      recorder: TimelineRecorder) throws -> [IngestResult] {
        let now = plan.seenAt
        var results: [IngestResult] = []
        for incident in plan.incidents {
            let id: Int64
            let alerts = incident.newAlerts.map { ($0, prepared.stored($0.alert)) }
            switch incident.ref {
            case .new:
                id = try recorder.open(incident.head, alerts: alerts, entries: incident.timeline, runbooks: incident.attachRunbooks, at: now)
                try tx.updateAlerts(incident.alertUpdates, at: now)
            case .existing(let existing):
                id = existing
                if incident.headChanged { try tx.updateIncident(incident.head, at: now) }
                try tx.insertAlerts(alerts, incidentID: id, at: now)
                try tx.updateAlerts(incident.alertUpdates, at: now)
                try recorder.append(incident.timeline, incidentID: id)
                for runbook in incident.attachRunbooks { try tx.attachRunbook(runbook, incidentID: id, at: now) }
            }
            results.append(IngestResult(id: id, action: incident.outcome))
        }
        try tx.touchAlerts(plan.touchedEpisodes, at: now)
        return results
    }
}
