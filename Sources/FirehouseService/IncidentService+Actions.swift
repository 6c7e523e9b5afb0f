import FirehouseCore

extension IncidentService {
    public func declare(title: String, severity: Severity, actor: Actor) async throws -> IncidentHead {
        let now = clock.now()
        return try await recordingWrite { tx, recorder in
            // A key no alert can have: declared incidents are never joined by alerts.
            var head = IncidentHead(
                id: 0, correlationKey: "declared \(now.nanoseconds) \(actor.id)", receiver: "", title: title, labels: [:],
                severity: severity, severityPinned: true, milestones: .init(status: .triggered), openedAt: now)
            head.id = try tx.insertIncident(head, at: now)
            try recorder.append(TimelineDraft(
                at: now, actor: actor.name, actorID: actor.id, text: "incident declared: \(title)",
                event: .incidentOpened(severity: severity, source: .declared)), incidentID: head.id)
            return head
        }
    }

    /// Load, decide (pure `IncidentActions`), write; closing also stores the post-mortem draft,
    /// rendered from the incident as just written, in the same transaction.
    public func perform(_ action: IncidentAction, on id: Int64, actor: Actor) async throws -> ActionResult {
        let now = clock.now()
        return try await recordingWrite { [drafter] tx, recorder in
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
                    let version = try tx.insertPostmortem(incidentID: id, markdown: drafter(detail), at: now)
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
