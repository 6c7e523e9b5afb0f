import FirehouseCore

/// A group's correlation reads, made for all its bodies in one `lockAndCorrelate` at its start
/// (every key locked, every head found locked `FOR UPDATE`), then handed to each body in turn, so a
/// body needs no round trip of its own to correlate. What a body is handed must be what it would
/// have read itself at that point of the transaction: earlier bodies of the group may have written
/// since, but an ingest body writes only what its own read named (its keys, its episodes) or
/// found (their incidents), and nobody outside the transaction can change those while it holds
/// the locks (what it found missing, another replica could add, as after a read of its own: the
/// unique indexes then roll the group back). So a body is served only when none of that was read
/// by a body before it; otherwise it reads for itself, inside the transaction, and sees what
/// they wrote.
struct SharedCorrelationReads {
    let receiver: String
    /// What was asked for.
    let episodes: Set<EpisodeKey>
    let keys: Set<String>
    /// What was found.
    let found: CorrelationCandidates
    let heads: [Int64: AttachedSnapshot]
    /// What the bodies so far read, and may have written.
    private var touchedKeys: Set<String> = []
    private var touchedEpisodes: Set<EpisodeKey> = []
    private var touchedIncidents: Set<Int64> = []

    /// The lookups the one read covers: those of the first body's receiver (episodes are read per
    /// receiver); the others' bodies read for themselves.
    static func covered(_ lookups: [CorrelationLookup]) -> (receiver: String, episodes: Set<EpisodeKey>, keys: Set<String>)? {
        guard let receiver = lookups.first?.receiver else { return nil }
        var episodes: Set<EpisodeKey> = []
        var keys: Set<String> = []
        for lookup in lookups where lookup.receiver == receiver {
            episodes.formUnion(lookup.episodes)
            keys.formUnion(lookup.keys)
        }
        return (receiver, episodes, keys)
    }

    init(receiver: String, episodes: Set<EpisodeKey>, keys: Set<String>, found: CorrelationCandidates, heads: [Int64: AttachedSnapshot]) {
        self.receiver = receiver
        self.episodes = episodes
        self.keys = keys
        self.found = found
        self.heads = heads
    }

    /// `lookup`'s candidates and the snapshots of their incidents, if the shared reads still hold
    /// for it (see the type); nil if the body must read for itself.
    func serve(_ lookup: CorrelationLookup) -> (CorrelationCandidates, [Int64: AttachedSnapshot])? {
        guard lookup.receiver == receiver, lookup.episodes.isSubset(of: episodes), lookup.keys.isSubset(of: keys),
              lookup.episodes.isDisjoint(with: touchedEpisodes), lookup.keys.isDisjoint(with: touchedKeys) else { return nil }
        var candidates = CorrelationCandidates()
        for episode in lookup.episodes { candidates.episodes[episode] = found.episodes[episode] }
        for key in lookup.keys {
            candidates.activeByKey[key] = found.activeByKey[key]
            candidates.resolvedByKey[key] = found.resolvedByKey[key]
        }
        let incidents = candidates.incidentIDs
        guard incidents.isDisjoint(with: touchedIncidents) else { return nil }
        var snapshots: [Int64: AttachedSnapshot] = [:]
        for id in incidents {
            // Every incident found was locked and read; one missing means the read was not what
            // this type assumes, so the body reads for itself.
            guard let head = heads[id] else { return nil }
            snapshots[id] = head
        }
        return (candidates, snapshots)
    }

    /// A body read `lookup` and found `candidates` (shared or its own): later bodies must not be
    /// served any of it.
    mutating func touch(_ lookup: CorrelationLookup, found candidates: CorrelationCandidates) {
        touchedKeys.formUnion(lookup.keys)
        touchedEpisodes.formUnion(lookup.episodes)
        touchedIncidents.formUnion(candidates.incidentIDs)
    }
}
