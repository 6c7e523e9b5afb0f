import FirehouseCore
import GRDB

/// Human actions on incidents: load, decide (pure), write, all in the caller's transaction.
struct ActionWriter {
    let db: Database
    let routes: NotificationRoutes

    func perform(_ action: IncidentAction, on id: Int64, actor: Actor, now: Timestamp,
                 drafter: PostmortemDrafter?) throws -> ActionResult {
        let reader = IncidentReader(db: db)
        guard let head = try reader.head(id: id) else { return .notFound }
        let roles = try reader.roles(incidentID: id)
        switch IncidentActions.decide(action, head: head, roles: roles, actor: actor, now: now) {
        case .unchanged(let text):
            return .unchanged(text)
        case .refused(let text):
            return .refused(text)
        case .changed(let effects):
            let writer = IngestWriter(db: db, routes: routes)
            if effects.head != head { try writer.update(effects.head, now: now.nanoseconds) }
            for ended in effects.endedRoles {
                try db.execute(sql: "UPDATE roles SET ended_at = ? WHERE id = ?", arguments: [now.nanoseconds, ended])
            }
            for start in effects.startedRoles {
                try db.execute(sql: """
                    INSERT INTO roles (incident_id, role, user_id, user_name, started_at, assigned_by)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [id, start.role, start.user.id, start.user.name, now.nanoseconds, actor.name])
            }
            for entry in effects.timeline { try writer.append(entry, incidentID: id) }
            var timeline = effects.timeline
            if effects.head.status == .closed, head.status != .closed, let drafter {
                timeline.append(try storePostmortem(incidentID: id, drafter: drafter, actor: actor, now: now))
            }
            return .changed(effects.head, timeline)
        }
    }

    /// Renders the draft from the incident as just written and stores it as the next version.
    private func storePostmortem(incidentID id: Int64, drafter: PostmortemDrafter, actor: Actor, now: Timestamp) throws -> TimelineDraft {
        guard let detail = try IncidentReader(db: db).detail(id: id) else { throw StorageUnavailable(reason: "incident \(id) vanished") }
        let markdown = drafter(detail)
        let version = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM postmortems WHERE incident_id = ?", arguments: [id]) ?? 0) + 1
        try db.execute(sql: "INSERT INTO postmortems (incident_id, version, generated_at, markdown) VALUES (?, ?, ?, ?)",
                       arguments: [id, version, now.nanoseconds, markdown])
        let entry = TimelineDraft(at: now, kind: .postmortemGenerated, actor: SystemActor.firehouse,
                                  text: "post-mortem draft v\(version) generated", data: ["version": String(version)])
        try IngestWriter(db: db, routes: routes).append(entry, incidentID: id)
        return entry
    }

    func declare(title: String, severity: Severity, actor: Actor, now: Timestamp) throws -> IncidentHead {
        // A key no alert can have: declared incidents are never joined by alerts.
        var head = IncidentHead(
            id: 0, correlationKey: "declared \(now.nanoseconds) \(actor.id)", receiver: "", title: title, labels: [:],
            severity: severity, severityPinned: true, milestones: .init(status: .triggered), openedAt: now)
        let writer = IngestWriter(db: db, routes: routes)
        head.id = try writer.insert(head, now: now.nanoseconds)
        try writer.append(TimelineDraft(
            at: now, kind: .incidentOpened, actor: actor.name, text: "incident declared: \(title)",
            data: ["severity": severity.name, "actorID": actor.id]), incidentID: head.id)
        return head
    }
}
