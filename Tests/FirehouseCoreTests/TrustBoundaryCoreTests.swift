@testable import FirehouseCore
import Foundation
import Testing

/// Deterministic xorshift64 so property tests replay the same inputs on every run.
private struct XorShift64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

/// Values from outside (webhooks, chat, stored rows) at the edges of what the core accepts:
/// nothing may trap, and out-of-range input is refused rather than wrapped.
struct TrustBoundaryCoreTests {
    // MARK: - Saturating arithmetic

    static let edges: [Int64] = [
        .min, .min + 1, -1_000_000_000_000_000_000, -3_037_000_500, -3_037_000_499, -1_000_000_000, -1, 0, 1, 2,
        1_000_000_000, 3_037_000_499, 3_037_000_500, 1_000_000_000_000_000_000, .max - 1, .max,
    ]

    /// Every pair of edge values, then random pairs of every magnitude, ~2000 in all.
    static func pairs(count: Int = 2_000) -> [(Int64, Int64)] {
        var rng = XorShift64(seed: 0x5EED_F12E)
        func value() -> Int64 {
            switch rng.next() % 4 {
            case 0: return edges.randomElement(using: &rng)!
            case 1: return Int64(bitPattern: rng.next())
            default: return Int64(bitPattern: rng.next()) >> (rng.next() % 64)
            }
        }
        var out = edges.flatMap { a in edges.map { b in (a, b) } }
        while out.count < count { out.append((value(), value())) }
        return out
    }

    @Test func saturatingArithmeticMatchesClampedInt128() {
        for (a, b) in Self.pairs() {
            let (x, y) = (Int128(a), Int128(b))
            #expect(Saturating.add(a, b) == Int64(clamping: x + y), "\(a) + \(b)")
            #expect(Saturating.subtract(a, b) == Int64(clamping: x - y), "\(a) - \(b)")
            #expect(Saturating.multiply(a, b) == Int64(clamping: x * y), "\(a) * \(b)")
        }
    }

    static let doubles: [(Double, Int64)] = [
        (.nan, 0), (.infinity, .max), (-.infinity, .min), (9.3e18, .max), (-9.3e18, .min),
        (9.223372036854775807e18, .max), (-9.223372036854775808e18, .min),
        (Double(Int64.max).nextDown, 9_223_372_036_854_774_784), (9.2e18, 9_200_000_000_000_000_000),
        (1.5, 1), (-1.5, -1), (0, 0),
    ]

    @Test(arguments: doubles)
    func int64FromAnyDouble(value: Double, expected: Int64) {
        #expect(Saturating.int64(value) == expected)
    }

    @Test func magnitudeOfMinIsMax() {
        #expect(Saturating.magnitude(.min) == .max)
        #expect(Saturating.magnitude(-5) == 5 && Saturating.magnitude(.max) == .max)
    }

    // MARK: - Timestamp and TimeSpan at the extremes

    @Test func timeOperatorsSaturateAtTheEnds() {
        let latest = Timestamp(nanoseconds: .max), earliest = Timestamp(nanoseconds: .min)
        #expect(latest + TimeSpan(nanoseconds: .max) == latest)
        #expect(earliest - TimeSpan(nanoseconds: .max) == earliest)
        #expect(earliest - latest == TimeSpan(nanoseconds: .min))
        #expect(latest - earliest == TimeSpan(nanoseconds: .max))
        #expect(TimeSpan(nanoseconds: .max) + .seconds(1) == TimeSpan(nanoseconds: .max))
        #expect(TimeSpan(nanoseconds: .min) - .seconds(1) == TimeSpan(nanoseconds: .min))
        #expect(TimeSpan.seconds(.max).nanoseconds == .max)
        #expect(TimeSpan.seconds(.min).nanoseconds == .min)
        #expect(TimeSpan.minutes(.max).nanoseconds == .max)
        #expect(TimeSpan.hours(.min).nanoseconds == .min)
        #expect(Timestamp(seconds: .max) == latest)
        #expect(Timestamp(seconds: .min) == earliest)
        #expect(TimeSpan.seconds(1) * .max == TimeSpan(nanoseconds: .max))
        #expect(TimeSpan(nanoseconds: -2) * .max == TimeSpan(nanoseconds: .min))
        #expect(TimeSpan(nanoseconds: .min) * -1 == TimeSpan(nanoseconds: .max))
        #expect(TimeSpan.seconds(2) * 3 == .seconds(6))
    }

    @Test func humanReadableAtTheEnds() {
        let shortest = TimeSpan(nanoseconds: .min).humanReadable
        #expect(shortest.hasPrefix("-"))
        #expect(shortest == "-106751d23h47m16s")
        #expect(TimeSpan(nanoseconds: .max).humanReadable == "106751d23h47m16s")
    }

    // MARK: - RFC 3339 range

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2199-12-31T23:59:59.999999999Z", 7_258_118_399_999_999_999),
        ("2026-11-25T15:00:00+02:00", 1_795_611_600_000_000_000),
    ])
    func acceptsRepresentableTimes(text: String, nanoseconds: Int64) {
        let time = Timestamp(rfc3339: text)
        #expect(time?.nanoseconds == nanoseconds)
        #expect(time.map { Timestamp.representable.contains($0) } == true)
    }

    @Test(arguments: [
        "2262-04-11T23:47:16.9Z",  // the crash input: past Int64 nanoseconds
        "2262-04-11T23:47:16.854775808Z", "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z", "1970-01-01T00:30:00+01:00",  // before the epoch once the offset is applied
    ])
    func refusesTimesOutsideRepresentable(text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test func differencesOfParsedTimesAreExact() throws {
        let texts = ["1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000000001Z", "2026-11-25T15:00:00+02:00",
                     "2199-12-31T23:59:59.999999999Z"]
        let times = try texts.map { try #require(Timestamp(rfc3339: $0)) }
        for a in times {
            for b in times {
                #expect(Int128((b - a).nanoseconds) == Int128(b.nanoseconds) - Int128(a.nanoseconds), "\(b.rfc3339) - \(a.rfc3339)")
            }
        }
    }

    // MARK: - Webhook decoding

    /// The values `01-single-critical--firing` has, so a test can swap exactly one of them.
    static let fixtureValues = ["startsAt": "2026-11-25T13:19:49.125Z", "endsAt": "0001-01-01T00:00:00Z",
                                "fingerprint": "4fcfcc9326a242e5"]

    /// The fixture's raw JSON with one alert field's string value replaced (`value` is JSON string content).
    static func fixture(setting key: String, to value: String) throws -> [UInt8] {
        let text = String(decoding: try Fixtures.data("01-single-critical--firing"), as: UTF8.self)
        let original = try #require(fixtureValues[key])
        let old = "\"\(key)\": \"\(original)\""
        try #require(text.contains(old))
        return Array(text.replacing(old, with: "\"\(key)\": \"\(value)\"").utf8)
    }

    static func decodeError(_ json: [UInt8]) -> PayloadError? {
        do {
            _ = try AlertmanagerNotification.decode(json: json)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("startsAt", "2262-04-11T23:47:16.9Z"), ("startsAt", "1677-09-21T00:12:44Z"), ("startsAt", "2200-01-01T00:00:00Z"),
        ("endsAt", "2262-04-11T23:47:16.9Z"), ("endsAt", "9999-12-31T23:59:59Z"), ("endsAt", "1969-12-31T23:59:59Z"),
    ])
    func outOfRangeTimesAreRefusedNamingTheField(key: String, value: String) throws {
        let error = Self.decodeError(try Self.fixture(setting: key, to: value))
        #expect(error?.field == "alerts[0].\(key)")
        #expect(error?.description.hasPrefix("alerts[0].\(key): ") == true, "\(String(describing: error))")
    }

    @Test func goZeroEndsAtMeansNotEnded() throws {
        let firing = try AlertmanagerNotification.decode(json: Self.fixture(setting: "endsAt", to: "0001-01-01T00:00:00Z"))
        #expect(firing.alerts[0].endsAt == nil)
        let ended = try AlertmanagerNotification.decode(json: Self.fixture(setting: "endsAt", to: "2026-11-25T14:00:00Z"))
        #expect(ended.alerts[0].endsAt == Timestamp(rfc3339: "2026-11-25T14:00:00Z"))
    }

    /// JSON string content of `fingerprint` and what the alert ends up with (nil: the body is refused).
    static let fingerprints: [(String, String?)] = [
        ("0123456789abcdef", "0123456789abcdef"),
        ("ABCDEF0123456789", "ABCDEF0123456789"),
        (String(repeating: "f", count: 64), String(repeating: "f", count: 64)),
        (String(repeating: "f", count: 65), nil),
        (#"abc`\n## Root cause\n<script>"#, nil),
        ("4fcfcc9326a242e5 ", nil),
        ("", "4fcfcc9326a242e5"),  // computed from the labels, as Alertmanager does
    ]

    @Test(arguments: fingerprints)
    func fingerprintsAreHexOrRefused(json: String, expected: String?) throws {
        let body = try Self.fixture(setting: "fingerprint", to: json)
        if let expected {
            let alert = try AlertmanagerNotification.decode(json: body).alerts[0]
            #expect(alert.fingerprint == expected)
        } else {
            #expect(Self.decodeError(body)?.field == "alerts[0].fingerprint")
        }
    }

    // MARK: - Durations (Prometheus syntax)

    static let durations: [(String, TimeSpan)] = [
        ("1h30m", .seconds(5_400)), ("1y", .hours(365 * 24)), ("1w2d", .hours(9 * 24)),
        ("1d2h3m4s5ms", .seconds(93_784) + TimeSpan(nanoseconds: 5_000_000)), ("0", .zero), ("1m500ms", .seconds(60) + TimeSpan(nanoseconds: 500_000_000)),
    ]

    @Test(arguments: durations)
    func parsesDurationsInUnitOrder(text: String, expected: TimeSpan) {
        #expect(TimeSpan(parsing: text) == expected)
    }

    @Test(arguments: ["30m1h", "1h1h", "1s1m", "1ms1s", "5m5m", "1h30", "-1m"])
    func refusesDurationsOutOfOrderOrRepeated(text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }

    @Test func humanReadableParsesBack() {
        var rng = XorShift64(seed: 0xD0_4A7E)
        let random = (0..<200).map { _ in TimeSpan.seconds(Int64.random(in: 0...(10 * 365 * 86_400), using: &rng)) }
        for span in [TimeSpan.seconds(5_430), .zero, .seconds(1), .seconds(86_400)] + random {
            #expect(TimeSpan(parsing: span.humanReadable) == span, "\(span.humanReadable)")
        }
    }

    // MARK: - Stats

    @Test func meanOfHugeDurationsDoesNotOverflow() {
        let half = TimeSpan(nanoseconds: Int64.max / 2)
        let d = IncidentStats.Distribution(Array(repeating: half, count: 10_000))
        #expect(d.count == 10_000)
        #expect(d.mean == half && d.p50 == half && d.p90 == half)
    }

    struct DistributionCase: Sendable {
        var values: [Int64]
        var mean, p50, p90: Int64?
    }

    static let distributions: [DistributionCase] = [
        .init(values: [1, 2, 3, 4].map { $0 * 1_000_000_000 }, mean: 2_500_000_000, p50: 2_000_000_000, p90: 4_000_000_000),
        .init(values: [4, 1, 3, 2].map { $0 * 1_000_000_000 }, mean: 2_500_000_000, p50: 2_000_000_000, p90: 4_000_000_000),
        .init(values: [.max, .max, .max], mean: .max, p50: .max, p90: .max),
        .init(values: [.min, .max], mean: 0, p50: .min, p90: .max),
        .init(values: [], mean: nil, p50: nil, p90: nil),
    ]

    @Test(arguments: distributions)
    func distributionMeanAndPercentiles(_ c: DistributionCase) {
        let d = IncidentStats.Distribution(c.values.map { TimeSpan(nanoseconds: $0) })
        #expect(d.count == c.values.count)
        #expect(d.mean?.nanoseconds == c.mean)
        #expect(d.p50?.nanoseconds == c.p50)
        #expect(d.p90?.nanoseconds == c.p90)
    }

    // MARK: - Lifecycle claims

    let now = Timestamp(seconds: 10_000)
    let alice = Actor(id: "T1:U1", name: "alice")
    let held = [RoleAssignment(id: 9, role: "commander", user: ChatUser(id: "U2", name: "bob"), from: Timestamp(seconds: 5),
                               assignedBy: "alice")]

    func head(_ status: IncidentStatus, acknowledgedAt: Timestamp? = nil) -> IncidentHead {
        IncidentHead(id: 5, correlationKey: "k", receiver: "r", title: "Checkout down", labels: [:], severity: .sev3,
                     milestones: .init(status: status, acknowledgedAt: acknowledgedAt), openedAt: Timestamp(seconds: 1))
    }

    func decide(_ action: IncidentAction, _ head: IncidentHead, roles: [RoleAssignment] = []) -> IncidentActions.Decision {
        IncidentActions.decide(action, head: head, roles: roles, actor: alice, now: now)
    }

    @Test(arguments: [IncidentLifecycle.Move.acknowledge, .investigate, .mitigate, .resolve])
    func humanMoveOutOfTriggeredStampsAcknowledgement(move: IncidentLifecycle.Move) {
        guard case .changed(let e) = decide(.move(move, summary: nil), head(.triggered)) else { Issue.record("not changed"); return }
        #expect(e.head.milestones.acknowledgedAt == now)
        if move == .resolve { #expect(e.head.status == .resolved && e.head.milestones.resolvedAt == now) }
    }

    @Test func anEarlierAcknowledgementIsKept() {
        let earlier = Timestamp(seconds: 500)  // e.g. acknowledged before a reopen
        guard case .changed(let e) = decide(.move(.resolve, summary: nil), head(.triggered, acknowledgedAt: earlier)) else {
            Issue.record("not changed"); return
        }
        #expect(e.head.milestones.acknowledgedAt == earlier)
    }

    @Test func correlatorResolveOfAnUnseenIncidentIsNoAcknowledgement() {
        guard case .moved(from: .triggered, to: let m) = IncidentLifecycle.apply(.resolve, to: .init(status: .triggered), at: now) else {
            Issue.record("not moved"); return
        }
        #expect(m.status == .resolved && m.resolvedAt == now)
        #expect(m.acknowledgedAt == nil)
    }

    static let editsRefusedWhenClosed: [IncidentAction] = [
        .retitle("x"), .unassign(role: "commander"), .assign(role: "commander", user: ChatUser(id: "U3", name: "carol")),
        .setSeverity(.sev1),
    ]

    @Test(arguments: editsRefusedWhenClosed)
    func closedIncidentsRefuseEdits(action: IncidentAction) {
        let decision = decide(action, head(.closed), roles: held)
        guard case .refused(let text) = decision else { Issue.record("\(decision)"); return }
        #expect(text.contains("is closed"))
        // The same edit goes through once the incident is only resolved: it is the closing that refuses.
        if case .refused(let why) = decide(action, head(.resolved), roles: held) { Issue.record("refused while resolved: \(why)") }
    }

    @Test func closedIncidentsTakeNotes() {
        let closed = head(.closed)
        guard case .changed(let e) = decide(.note("x"), closed, roles: held) else { Issue.record("not changed"); return }
        #expect(e.head == closed && e.timeline.map(\.event) == [.note])
    }

    // MARK: - Post-mortem escaping

    static func postmortem(fingerprint: String?) -> String {
        var alert = PostmortemBuilderTests.alert("p", from: 0, to: 5)
        if let fingerprint { alert.fingerprint = fingerprint }
        let model = PostmortemBuilder.build(PostmortemBuilderTests.detail(alerts: [alert]), library: RunbookLibrary())
        return PostmortemRenderer.render(model)
    }

    static func lines(_ text: String, startingWith prefix: String) -> [Substring] {
        text.split(whereSeparator: \.isNewline).filter { $0.hasPrefix(prefix) }
    }

    @Test func hostileFingerprintStaysInsideItsCodeSpan() {
        let plain = Self.postmortem(fingerprint: nil)
        let text = Self.postmortem(fingerprint: "abc`\n## Root cause\n<b>x</b>")
        #expect(Self.lines(plain, startingWith: "## Root cause").count == 1)
        #expect(Self.lines(text, startingWith: "## Root cause").count == 1)
        #expect(Self.lines(text, startingWith: "<b>").isEmpty)
        // Inside a code span `<b>` is literal text, not HTML; it must appear nowhere else.
        let heading = "### ServiceMemoryLeak ``abc` ## Root cause <b>x</b>`` (resolved)"
        #expect(Self.lines(text, startingWith: "### ").contains { $0 == heading })
        #expect(!text.replacing(heading, with: "").contains("<b>"))
    }

    /// CommonMark ends a line at CR and CRLF too, so those must not break out of the code span either.
    @Test(arguments: ["\r", "\r\n"])
    func carriageReturnsInAFingerprintCannotStartALine(separator: String) {
        let text = Self.postmortem(fingerprint: "abc`\(separator)## Root cause\(separator)<b>x</b>")
        #expect(Self.lines(text, startingWith: "## Root cause").count == 1)
        #expect(Self.lines(text, startingWith: "<b>").isEmpty)
    }

    /// Back-off and escalation are sums of a clock time and a configured span: at the ends of the
    /// range they saturate instead of trapping.
    @Test func backoffAndEscalationAtTheEndsOfTime() {
        let end = Timestamp(nanoseconds: .max - 1)
        let huge = DeliveryPolicy(maxAttempts: 200, initialBackoff: TimeSpan(nanoseconds: .max / 2), maxBackoff: TimeSpan(nanoseconds: .max))
        for attempts in [1, 2, 63, 64, 199] {
            #expect(huge.backoff(afterAttempt: attempts) <= TimeSpan(nanoseconds: .max))
            if case .retry(let at, _) = huge.decide(.transient("down"), attempts: attempts, now: end) {
                #expect(at == Timestamp(nanoseconds: .max))
            } else {
                Issue.record("expected a retry at attempt \(attempts)")
            }
        }
        let policy = EscalationPolicy(after: TimeSpan(nanoseconds: .max), minSeverity: .sev4)
        #expect(policy.openedBefore(Timestamp(nanoseconds: .min + 1)) == Timestamp(nanoseconds: .min))
        #expect(EscalationPolicy(after: .seconds(60), minSeverity: .sev4).openedBefore(end) == end - .seconds(60))
    }
}
