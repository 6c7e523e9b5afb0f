import FirehouseCore
import GRDB

/// Records Alertmanager silences made for incidents, with their timeline entries.
struct SilenceWriter {
    let db: Database
    let routes: NotificationRoutes

    func record(_ silenceID: String, request: SilenceRequest, incidentID: Int64, actor: Actor) throws -> TimelineDraft {
        let matchers = request.matchers.canonicalText
        try db.execute(sql: """
            INSERT INTO silences (incident_id, silence_id, matchers, starts_at, ends_at, created_by, comment)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [incidentID, silenceID, JSONText.encode(request.matchers), request.startsAt.nanoseconds,
                             request.endsAt.nanoseconds, actor.name, request.comment])
        let span = (request.endsAt - request.startsAt).humanReadable
        let entry = TimelineDraft(
            at: request.startsAt, kind: .silenced, actor: actor.name,
            text: "silenced in Alertmanager for \(span) (until \(request.endsAt.rfc3339)): \(matchers)",
            data: ["silenceID": silenceID, "matchers": matchers, "endsAt": request.endsAt.rfc3339, "actorID": actor.id])
        try IngestWriter(db: db, routes: routes).append(entry, incidentID: incidentID)
        return entry
    }

    /// Silences recorded for the incident that have neither ended nor been expired.
    func active(incidentID: Int64, now: Timestamp) throws -> [RecordedSilence] {
        try Row.fetchAll(db, sql: """
            SELECT silence_id, matchers, ends_at, created_by FROM silences
            WHERE incident_id = ? AND expired_at IS NULL AND ends_at > ? ORDER BY id
            """, arguments: [incidentID, now.nanoseconds]).map {
            RecordedSilence(silenceID: $0[0], matchers: JSONText.decode($0[1]), endsAt: Timestamp(nanoseconds: $0[2]), createdBy: $0[3])
        }
    }

    func expire(_ silenceIDs: [String], incidentID: Int64, actor: Actor, now: Timestamp) throws -> TimelineDraft {
        for id in silenceIDs {
            try db.execute(sql: """
                UPDATE silences SET expired_at = ?, expired_by = ? WHERE incident_id = ? AND silence_id = ? AND expired_at IS NULL
                """, arguments: [now.nanoseconds, actor.name, incidentID, id])
        }
        let entry = TimelineDraft(
            at: now, kind: .unsilenced, actor: actor.name,
            text: "silence\(silenceIDs.count == 1 ? "" : "s") expired in Alertmanager: \(silenceIDs.joined(separator: ", "))",
            data: ["silenceIDs": silenceIDs.joined(separator: ","), "actorID": actor.id])
        try IngestWriter(db: db, routes: routes).append(entry, incidentID: incidentID)
        return entry
    }
}
