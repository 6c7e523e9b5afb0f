import FirehouseCore
@testable import FirehousePostgres
import Testing

/// Which bodies of a group the group's one correlation read may serve (no database needed; the
/// PostgreSQL test `aGroupReadsForAllItsBodiesAtOnceButNotPastItsOwnWrites` runs it for real).
struct SharedCorrelationReadsTests {
    static let episode = EpisodeKey(fingerprint: "f", startsAt: Timestamp(nanoseconds: 1))
    static let other = EpisodeKey(fingerprint: "g", startsAt: Timestamp(nanoseconds: 1))

    static func lookup(_ keys: Set<String>, _ episodes: Set<EpisodeKey> = [], receiver: String = "team") -> CorrelationLookup {
        CorrelationLookup(receiver: receiver, episodes: episodes, keys: keys)
    }

    /// Incident 7 is active for "k" and holds `episode`; incident 9 is resolved for "r".
    static func reads() -> SharedCorrelationReads {
        let head = { (id: Int64) in
            AttachedSnapshot(snapshot: IncidentSnapshot(head: IncidentHead(id: id, correlationKey: "k", receiver: "team", title: "t",
                                                                           labels: [:], severity: .sev2, milestones: .init(status: .triggered),
                                                                           openedAt: Timestamp(nanoseconds: 0)), firingAlerts: 1),
                             runbooks: [])
        }
        let found = CorrelationCandidates(
            episodes: [episode: StoredEpisode(id: 1, incidentID: 7, status: .firing, annotations: [:], generatorURL: "")],
            activeByKey: ["k": 7], resolvedByKey: ["r": 9])
        let covered = SharedCorrelationReads.covered([lookup(["k", "r", "n", "m"], [episode, other]), lookup(["elsewhere"], receiver: "ops")])!
        #expect(covered.keys == ["k", "r", "n", "m"], "another receiver's lookup is not read with the first's")
        return SharedCorrelationReads(receiver: covered.receiver, episodes: covered.episodes, keys: covered.keys, found: found,
                                      heads: [7: head(7), 9: head(9)])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Bodies before, each with what it read.
        var before: [CorrelationLookup]
        var body: CorrelationLookup
        /// The incidents served, or nil when the body must read for itself.
        var served: Set<Int64>?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "the first body", before: [], body: lookup(["k"], [episode]), served: [7]),
        Case(name: "a resolved incident", before: [], body: lookup(["r"]), served: [9]),
        Case(name: "nothing found", before: [lookup(["k"])], body: lookup(["n"], [other]), served: []),
        Case(name: "a key an earlier body read", before: [lookup(["n"])], body: lookup(["n"]), served: nil),
        Case(name: "an episode an earlier body read", before: [lookup(["m"], [other])], body: lookup(["n"], [other]), served: nil),
        Case(name: "an incident an earlier body found by key", before: [lookup(["k"])], body: lookup(["n"], [episode]), served: nil),
        Case(name: "an incident an earlier body found by episode", before: [lookup(["n"], [episode])], body: lookup(["k"]), served: nil),
        Case(name: "a key not read", before: [], body: lookup(["k", "unread"]), served: nil),
        Case(name: "an episode not read", before: [], body: lookup(["k"], [EpisodeKey(fingerprint: "h", startsAt: Timestamp(nanoseconds: 1))]),
             served: nil),
        Case(name: "another receiver", before: [], body: lookup(["k"], receiver: "ops"), served: nil),
    ]

    @Test(arguments: cases) func servesOnlyWhatNoEarlierBodyRead(_ test: Case) {
        var reads = Self.reads()
        for lookup in test.before {
            let (candidates, _) = reads.serve(lookup)!
            reads.touch(lookup, found: candidates)
        }
        let served = reads.serve(test.body)
        #expect(served.map { Set($0.1.keys) } == test.served)
        #expect(served.map { $0.0.incidentIDs } == test.served)
    }
}
