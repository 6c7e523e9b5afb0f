import FirehouseCore

extension IncidentService {
    public func declare(title: String, severity: Severity, actor: Actor, drill: Bool) async throws -> IncidentHead {
        let now = clock.now()
        return try await recordingWrite { tx, recorder in
            try Self.declare(title: title, severity: severity, actor: actor, drill: drill, now: now, tx: tx, recorder: recorder)
        }
    }

    static func declare(title: String, severity: Severity, actor: Actor, drill: Bool, now: Timestamp, tx: any StoreTransaction,
                        recorder: TimelineRecorder, correlationKey: String? = nil) throws -> IncidentHead {
        // A key no alert can have: declared incidents are never joined by alerts.
        var head = IncidentHead(
            id: 0, correlationKey: correlationKey ?? "declared \(now.nanoseconds) \(actor.id)", receiver: "", title: title, labels: [:],
            severity: severity, severityPinned: true, milestones: .init(status: .triggered), openedAt: now, drill: drill)
        head.id = try tx.insertIncident(head, at: now)
        try recorder.append(TimelineDraft(
            at: now, actor: actor.name, actorID: actor.id, text: "\(drill ? "drill" : "incident") declared: \(title)",
            event: .incidentOpened(severity: severity, source: .declared)), incidentID: head.id)
        return head
    }

    public func startDrill(runbookID: String, severity: Severity?, actor: Actor) async throws -> IncidentHead? {
        guard let runbook = runbooks.library[runbookID] else { return nil }
        let now = clock.now()
        let severity = severity ?? runbook.severity.flatMap(Severity.init(name:)) ?? .sev3
        return try await recordingWrite { tx, recorder in
            let head = try Self.declare(title: "Drill: \(runbook.title)", severity: severity, actor: actor, drill: true, now: now,
                                        tx: tx, recorder: recorder)
            try tx.attachRunbook(runbook.id, incidentID: head.id, at: now)
            try recorder.append(TimelineDraft(at: now, actor: actor.name, actorID: actor.id, text: "runbook attached: \(runbook.title)",
                                              event: .runbookAttached(id: runbook.id, title: runbook.title, path: runbook.path)),
                                incidentID: head.id)
            return head
        }
    }

    /// Load, decide (pure `IncidentActions`), write; closing also stores the post-mortem draft,
    /// rendered from the incident as just written, in the same transaction.
    public func perform(_ action: IncidentAction, on id: Int64, actor: Actor) async throws -> ActionResult {
        let now = clock.now()
        return try await recordingWrite { [drafter, slo] tx, recorder in
            guard let head = try tx.head(id: id) else { return .notFound }
            switch IncidentActions.decide(action, head: head, roles: try tx.roles(incidentID: id), actor: actor, now: now) {
            case .unchanged(let text):
                return .unchanged(text)
            case .refused(let text):
                return .refused(text)
            case .changed(let effects):
                if effects.head != head { try tx.updateIncident(effects.head, at: now) }
                for ended in effects.endedRoles { try tx.endRole(assignmentID: ended, at: now) }
                for start in effects.startedRoles { try tx.startRole(start, incidentID: id, assignedBy: actor.name, at: now) }
                try recorder.append(effects.timeline, incidentID: id)
                var timeline = effects.timeline
                if effects.head.status == .closed, head.status != .closed, let drafter {
                    guard let detail = try tx.detail(id: id) else { throw StorageUnavailable(reason: "incident \(id) vanished") }
                    let budgets = head.drill ? [] : try slo.reports(tx: tx, now: now).filter { report in
                        report.incidents.contains { $0.id == id }
                    }
                    let version = try tx.insertPostmortem(incidentID: id, markdown: drafter(detail, budgets), at: now)
                    let entry = TimelineDraft(at: now, actor: SystemActor.firehouse, text: "post-mortem draft v\(version) generated",
                                              event: .postmortemGenerated(version: version))
                    try recorder.append(entry, incidentID: id)
                    timeline.append(entry)
                }
                return .changed(effects.head, timeline)
            }
        }
    }
}
