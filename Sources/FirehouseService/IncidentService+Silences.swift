import FirehouseCore

extension IncidentService {
    public func recordSilence(_ silenceID: String, request: SilenceRequest, incidentID: Int64, actor: Actor) async throws -> TimelineDraft? {
        try await recordingWrite { tx, recorder in
            guard try tx.head(id: incidentID) != nil else { return nil }
            try tx.insertSilence(silenceID, request: request, incidentID: incidentID, createdBy: actor.name)
            let matchers = request.matchers.canonicalText
            let span = (request.endsAt - request.startsAt).humanReadable
            let entry = TimelineDraft(
                at: request.startsAt, actor: actor.name, actorID: actor.id,
                text: "silenced in Alertmanager for \(span) (until \(request.endsAt.rfc3339)): \(matchers)",
                event: .silenced(silenceID: silenceID, matchers: matchers, endsAt: request.endsAt))
            try recorder.append(entry, incidentID: incidentID)
            return entry
        }
    }

    public func activeSilences(incidentID: Int64) async throws -> [RecordedSilence]? {
        let now = clock.now()
        return try await store.read { reads in
            guard try reads.head(id: incidentID) != nil else { return nil }
            return try reads.activeSilences(incidentID: incidentID, now: now)
        }
    }

    public func expireSilences(_ silenceIDs: [String], incidentID: Int64, actor: Actor) async throws -> TimelineDraft {
        let now = clock.now()
        return try await recordingWrite { tx, recorder in
            for id in silenceIDs { try tx.expireSilence(id, incidentID: incidentID, by: actor.name, at: now) }
            let entry = TimelineDraft(
                at: now, actor: actor.name, actorID: actor.id,
                text: "silence\(silenceIDs.count == 1 ? "" : "s") expired in Alertmanager: \(silenceIDs.joined(separator: ", "))",
                event: .unsilenced(silenceIDs: silenceIDs))
            try recorder.append(entry, incidentID: incidentID)
            return entry
        }
    }
}
