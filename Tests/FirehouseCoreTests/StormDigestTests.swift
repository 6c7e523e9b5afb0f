@testable import FirehouseCore
import Testing

/// The storm rule as data: how many opened recently, what is pending and when, and what to do.
struct StormDigestTests {
    static let t0 = Timestamp(seconds: 1_800_000_000)
    static let rule = StormDigest(threshold: 3, window: .seconds(60), gather: .seconds(5), maxListed: 4)

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var rule = StormDigestTests.rule
        var recent: Int
        /// Seconds before now each pending opening was raised, oldest first.
        var pendingAges: [Int64]
        var expected: StormDigest.Decision
        var description: String { name }
    }

    static func ids(_ n: Int) -> [Int64] { (1...Int64(n)).map { $0 } }

    static let cases: [Case] = [
        Case(name: "quiet: at the threshold each goes alone", recent: 3, pendingAges: [0], expected: .single),
        Case(name: "storm, just begun: wait for the burst", recent: 4, pendingAges: [1, 0], expected: .wait(until: t0 + .seconds(4))),
        Case(name: "storm, gathered long enough: one digest of all", recent: 4, pendingAges: [5, 3, 0], expected: .digest(ids(3))),
        Case(name: "storm, more than one digest holds: the first four now", recent: 9, pendingAges: [2, 2, 1, 1, 0, 0],
             expected: .digest(ids(4))),
        Case(name: "storm, exactly a full digest: no need to wait", recent: 9, pendingAges: [1, 1, 0, 0], expected: .digest(ids(4))),
        Case(name: "off: never a digest", rule: StormDigest(threshold: 0, window: .seconds(60)), recent: 500, pendingAges: [30, 0],
             expected: .single),
        Case(name: "nothing pending (the head is not due): alone", recent: 10, pendingAges: [], expected: .single),
        Case(name: "a slow storm: a lone opening goes at once", recent: 10, pendingAges: [0], expected: .single),
        Case(name: "an old backlog in a storm goes out at once", recent: 20, pendingAges: [600, 300], expected: .digest(ids(2))),
    ]

    @Test(arguments: cases) func decides(_ c: Case) {
        let pending = c.pendingAges.enumerated().map { (id: Int64($0.offset + 1), at: Self.t0 - .seconds($0.element)) }
        #expect(c.rule.decide(recent: c.recent, pending: pending, now: Self.t0) == c.expected)
    }

    static func digest(_ count: Int) -> DigestMessage {
        let services = ["checkout", "payments", "checkout", nil, "search"]
        let items = (0..<count).map { i in
            DigestMessage.Item(ref: IncidentReference.format(Int64(i + 1)), severity: i == 0 ? .sev1 : .sev3,
                               title: i == 1 ? "Disk *full* <!channel> @here [x](javascript:alert(1))" : "High error rate \(i)",
                               service: services[i % services.count], url: "https://fh.example/ui/incidents/\(i + 1)")
        }
        return DigestMessage(openedInWindow: 37, window: .seconds(60), items: items, listURL: "https://fh.example/ui/incidents", at: t0)
    }

    @Test func theDigestNamesTheBusiestServicesAndEveryIncident() throws {
        let digest = Self.digest(7)
        #expect(digest.headline == "37 incidents opened in the last 1m")
        #expect(digest.servicesLine == "checkout 3, payments 2, search 1")
        for dialect in [ChatDialect.slack, .mattermost] {
            let text = DigestText.render(digest, dialect: dialect)
            for i in 1...7 { #expect(text.contains("INC-\(i)"), "INC-\(i) is listed") }
        }
        try Golden.check(DigestText.render(digest, dialect: .slack) + "\n", "digest-slack.txt")
        try Golden.check(DigestText.render(digest, dialect: .mattermost) + "\n", "digest-mattermost.md")
        // Nothing in an alert's title pings or links.
        let slack = DigestText.render(digest, dialect: .slack)
        #expect(!slack.contains("<!channel>") && slack.contains("&lt;!channel&gt;"))
        let mattermost = DigestText.render(digest, dialect: .mattermost)
        #expect(!mattermost.contains("@here") && !mattermost.contains("x](javascript"))
    }
}
