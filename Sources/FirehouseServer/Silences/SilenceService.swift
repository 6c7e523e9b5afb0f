import FirehouseCore
import FirehouseService
import Hummingbird

/// Silences an incident's alerts in Alertmanager and records it; shared by chat and the API.
struct SilenceService: Sendable {
    let repository: any IncidentUseCases
    let alertmanager: AlertmanagerSilences
    let clock: any WallClock

    /// What a silence or unsilence did.
    enum Outcome<Done: Sendable & Equatable>: Sendable, Equatable {
        case notFound
        /// Nothing to do or not possible; the text says why.
        case refused(String)
        case done(Done)
    }

    struct Silenced: Sendable, Equatable {
        var silenceID: String
        var request: SilenceRequest
        var entry: TimelineDraft
    }

    struct Unsilenced: Sendable, Equatable {
        var silenceIDs: [String]
        var entry: TimelineDraft
    }

    func silence(_ id: Int64, duration: TimeSpan, comment: String?, actor: Actor) async throws -> Outcome<Silenced> {
        guard let incident = try await repository.incident(id: id) else { return .notFound }
        let request: SilenceRequest
        do {
            request = try SilenceRequest.make(incident: incident, duration: duration, comment: comment, actor: actor, now: clock.now())
        } catch {
            return .refused(error.description)
        }
        let silenceID = try await alertmanager.create(request)
        do {
            guard let entry = try await repository.recordSilence(silenceID, request: request, incidentID: id, actor: actor) else {
                return .notFound
            }
            return .done(Silenced(silenceID: silenceID, request: request, entry: entry))
        } catch {
            // The silence exists in Alertmanager; say so, so nobody makes a second one blindly.
            throw SilenceNotRecorded(silenceID: silenceID, reason: "\(error)")
        }
    }

    func unsilence(_ id: Int64, actor: Actor) async throws -> Outcome<Unsilenced> {
        guard let active = try await repository.activeSilences(incidentID: id) else { return .notFound }
        guard !active.isEmpty else { return .refused("\(IncidentReference.format(id)) has no active silence") }
        let ids = active.map(\.silenceID)
        for silenceID in ids { try await alertmanager.expire(silenceID) }
        return .done(Unsilenced(silenceIDs: ids, entry: try await repository.expireSilences(ids, incidentID: id, actor: actor)))
    }
}
