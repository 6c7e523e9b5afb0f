import FirehouseCore

extension SLOPolicy {
    /// Every service's error budget at `now`, from the incidents whose impact reaches into the
    /// longest window.
    func reports(tx: any StoreReads, now: Timestamp) throws -> [ErrorBudget.Report] {
        guard !services.isEmpty else { return [] }
        let records = try tx.impactRecords(endingAfter: now - longestWindow)
        return services.map { ErrorBudget.report($0, records: records, end: impactEnd, now: now) }
    }
}

extension IncidentService {
    public func sloReports() async throws -> [ErrorBudget.Report] {
        let now = clock.now()
        let slo = self.slo
        guard !slo.services.isEmpty else { return [] }
        return try await store.read { try slo.reports(tx: $0, now: now) }
    }

    /// One replica judges the heartbeat per round (the holder of the `heartbeat` lease); the last
    /// arrival is in the database, so it does not matter which replica received it.
    public func checkHeartbeat(watchingSince: Timestamp?) async throws -> Heartbeat.Decision {
        guard let heartbeat else { return .steady }
        let now = clock.now()
        guard try await leases.claim("heartbeat", for: leases.rounds, on: store, now: now) else { return .steady }
        return try await recordingWrite { tx, recorder in
            guard let stored = try tx.heartbeat(name: heartbeat.alertname) else {
                // Watching begins now: silence is measured from here until the first heartbeat.
                try tx.recordHeartbeat(name: heartbeat.alertname, at: now)
                return .steady
            }
            let lastSeen = max(stored, watchingSince ?? stored)
            let open = try tx.activeIncident(correlationKey: heartbeat.correlationKey)
            let decision = heartbeat.decide(lastSeen: lastSeen, now: now, openIncident: open)
            switch decision {
            case .steady:
                break
            case .open(let silent):
                let head = try Self.declare(title: heartbeat.title, severity: .sev1, actor: Actor(id: SystemActor.firehouse, name: SystemActor.firehouse),
                                            drill: false, now: now, tx: tx, recorder: recorder, correlationKey: heartbeat.correlationKey)
                try recorder.append(TimelineDraft(at: now, actor: SystemActor.firehouse,
                                                  text: "no \(heartbeat.alertname) heartbeat since \(lastSeen.rfc3339) (\(silent.humanReadable)): "
                                                      + "Prometheus, Alertmanager or the path to Firehouse is down; alerts may not arrive",
                                                  event: .note), incidentID: head.id)
            case .resolve(let id):
                guard let head = try tx.head(id: id) else { break }
                let actor = Actor(id: SystemActor.firehouse, name: SystemActor.firehouse)
                let summary = "the \(heartbeat.alertname) heartbeat is back (\(lastSeen.rfc3339))"
                if case .changed(let effects) = IncidentActions.decide(.move(.resolve, summary: summary), head: head,
                                                                      roles: try tx.roles(incidentID: id), actor: actor, now: now) {
                    try tx.updateIncident(effects.head, at: now)
                    try recorder.append(effects.timeline, incidentID: id)
                }
            }
            return decision
        }
    }

    /// Splits the heartbeat's alerts off a notification: they are recorded, never correlated.
    func withoutHeartbeat(_ notification: AlertmanagerNotification) -> (rest: AlertmanagerNotification?, beat: Bool) {
        guard let heartbeat, notification.alerts.contains(where: heartbeat.isHeartbeat) else { return (notification, false) }
        var rest = notification
        rest.alerts.removeAll(where: heartbeat.isHeartbeat)
        let beat = notification.alerts.contains { heartbeat.isHeartbeat($0) && $0.status == .firing }
        return (rest.alerts.isEmpty ? nil : rest, beat)
    }
}
