@testable import FirehouseCore

/// Applies correlation plans to plain dictionaries, so tests can replay notification sequences
/// through the pure correlator without a database.
struct InMemoryLedger {
    struct Episode {
        var id: Int64
        var incidentID: Int64
        var receiver: String
        var key: EpisodeKey
        var status: AlertStatus
        var annotations: LabelSet
        var generatorURL: String
        var lastSeen: Timestamp
    }

    var correlator: Correlator
    var incidents: [Int64: IncidentHead] = [:]
    var episodes: [Int64: Episode] = [:]
    var timeline: [Int64: [TimelineDraft]] = [:]
    var attached: [Int64: [String]] = [:]
    private var nextIncident: Int64 = 1
    private var nextEpisode: Int64 = 1

    init(config: CorrelationConfig = .init()) { correlator = Correlator(config: config) }

    func state(for lookup: CorrelationLookup) -> CorrelationState {
        var state = CorrelationState()
        for e in episodes.values where e.receiver == lookup.receiver && lookup.episodes.contains(e.key) {
            state.episodes[e.key] = StoredEpisode(id: e.id, incidentID: e.incidentID, status: e.status,
                                                  annotations: e.annotations, generatorURL: e.generatorURL)
        }
        for key in lookup.keys {
            let withKey = incidents.values.filter { $0.correlationKey == key }.sorted { $0.id > $1.id }
            if let active = withKey.first(where: { $0.status.isActive }) { state.activeByKey[key] = active.id }
            if let latest = withKey.first, latest.status == .resolved { state.resolvedByKey[key] = latest.id }
        }
        let ids = Set(state.episodes.values.map(\.incidentID)).union(state.activeByKey.values).union(state.resolvedByKey.values)
        for id in ids {
            state.attachedRunbooks[id] = Set(attached[id] ?? [])
            let firing = episodes.values.filter { $0.incidentID == id && $0.status == .firing }.count
            state.incidents[id] = IncidentSnapshot(head: incidents[id]!, firingAlerts: firing)
        }
        return state
    }

    @discardableResult
    mutating func ingest(_ n: AlertmanagerNotification, at now: Timestamp, runbooks: RunbookLibrary = RunbookLibrary()) -> [IngestResult] {
        let plan = correlator.correlate(n, state: state(for: correlator.lookup(for: n)), now: now, runbooks: runbooks)
        var results: [IngestResult] = []
        for p in plan.incidents {
            var id: Int64
            switch p.ref {
            case .new:
                id = nextIncident
                nextIncident += 1
                var head = p.head
                head.id = id
                incidents[id] = head
            case .existing(let existing):
                id = existing
                incidents[id] = p.head
            }
            for a in p.newAlerts {
                episodes[nextEpisode] = Episode(
                    id: nextEpisode, incidentID: id, receiver: a.receiver,
                    key: EpisodeKey(fingerprint: a.alert.fingerprint, startsAt: a.alert.startsAt),
                    status: a.alert.status, annotations: a.alert.annotations, generatorURL: a.alert.generatorURL, lastSeen: now)
                nextEpisode += 1
            }
            for u in p.alertUpdates {
                episodes[u.episodeID]!.status = u.status
                episodes[u.episodeID]!.annotations = u.annotations
                episodes[u.episodeID]!.lastSeen = now
            }
            timeline[id, default: []] += p.timeline
            attached[id, default: []] += p.attachRunbooks
            results.append(IngestResult(id: id, action: p.outcome))
        }
        for e in plan.touchedEpisodes { episodes[e]!.lastSeen = now }
        return results
    }

    func kinds(_ id: Int64) -> [TimelineKind] { (timeline[id] ?? []).compactMap(\.event.kind) }
}
