@testable import FirehouseCore
import Testing

struct LabelMatcherTests {
    static let labels: LabelSet = ["alertname": "KafkaBrokerDown", "severity": "critical", "service": "kafka", "empty": ""]

    /// (matcher text, matches `labels`?)
    @Test(arguments: [
        (#"alertname="KafkaBrokerDown""#, true),
        (#"alertname="kafkabrokerdown""#, false),
        (#"alertname!="KafkaBrokerDown""#, false),
        (#"alertname!="RedisOutOfMemory""#, true),
        (#"alertname=~"Kafka.*""#, true),
        (#"alertname=~"Kafka""#, false),                 // anchored: no substring match
        (#"alertname=~".*Broker.*""#, true),
        (#"alertname=~"Broker""#, false),
        (#"alertname!~"Kafka.*""#, false),
        (#"alertname!~"Redis.*""#, true),
        (#"severity=~"critical|error""#, true),
        (#"severity=~"crit""#, false),
        (#"team="""#, true),                             // absent label equals ""
        (#"team!="""#, false),
        (#"service!="""#, true),
        (#"team=~".*""#, true),
        (#"team=~".+""#, false),
        (#"empty="""#, true),
        (#"alertname=KafkaBrokerDown"#, true),           // unquoted value
        (#"  alertname = "KafkaBrokerDown"  "#, true),
        (#"service=~'kaf.a'"#, true),
        (#"alertname=~"Kafka\w+Down""#, true),           // regex escapes survive unquoting
        (#"alertname="Kafka\"Broker""#, false),
    ])
    func matches(text: String, expected: Bool) throws {
        let matcher = try LabelMatcher(parsing: text)
        #expect(matcher.matches(Self.labels) == expected, "\(text)")
    }

    /// A pattern of literal words joined by `|` is matched as a set of words; it must answer as
    /// the regex does, for every text, and a pattern with any metacharacter must go to the regex.
    @Test(arguments: [
        ("critical|error", true), ("KafkaBrokerDown", true), ("a|", true), ("|", true), ("", true),
        ("svc-1:8080/path|other name", true), ("crit.cal", false), ("a|b*", false), ("(a|b)", false),
        ("[ab]", false), ("a\\|b", false), ("é|e", false), ("a+", false), ("^a$", false),
    ])
    func literalAlternationsMatchAsTheRegexDoes(pattern: String, literal: Bool) throws {
        let compiled = try CompiledRegex(anchoring: pattern)
        #expect((compiled.literals != nil) == literal, "\(pattern)")
        let texts = ["", "critical", "error", "critical|error", "criticalerror", "Critical", "crit", "KafkaBrokerDown", "a", "b", "ab",
                     "svc-1:8080/path", "other name", "other", "é", "e", "e\u{301}", "\u{212A}afkaBrokerDown", "xcritical", "critical\n", "|", "a|"]
        for text in texts {
            #expect(compiled.matches(text) == compiled.regexMatches(text), "\(pattern) against \(text.debugDescription)")
        }
    }

    @Test(arguments: [
        (#"alertname"#, "missingOperator"),
        (#"="x""#, "invalidName"),
        (#"1abc="x""#, "invalidName"),
        (#"al-ert="x""#, "invalidName"),
        (#"alertname=~"(unclosed""#, "invalidRegex"),
        (#"alertname=~"[z-a]""#, "invalidRegex"),
        (#"alertname="unterminated"#, "badQuoting"),
        (#"alertname="a"b""#, "badQuoting"),
        (#"alertname=a"b"#, "badQuoting"),
    ])
    func rejects(text: String, kind: String) {
        do {
            _ = try LabelMatcher(parsing: text)
            Issue.record("\(text) was accepted")
        } catch {
            #expect(String(describing: error).isEmpty == false)
            let name = switch error {
            case .invalidName: "invalidName"
            case .missingOperator: "missingOperator"
            case .badQuoting: "badQuoting"
            case .invalidRegex: "invalidRegex"
            }
            #expect(name == kind, "\(text): \(error)")
        }
    }

    @Test func printsBackInAlertmanagerSyntax() throws {
        #expect(try LabelMatcher(parsing: #"a=~"x|y""#).description == #"a=~"x|y""#)
        #expect(try LabelMatcher(parsing: #"a="q\"uote""#).description == #"a="q\"uote""#)
        // A backslash followed by a combining mark is one Character but still an escape; what
        // parses prints back to the same matcher (found by fuzz/FuzzMatcher).
        for text in ["l=\"x\\\u{64D}h\"", "l=\"a\\\\\u{301}\"", "l=\"crlf\r\nx\""] {
            let matcher = try LabelMatcher(parsing: text)
            #expect(try LabelMatcher(parsing: matcher.description) == matcher, "\(text)")
        }
    }
}

struct RunbookMatchingTests {
    static func runbook(_ id: String, _ matchers: [String]) -> Runbook {
        Runbook(id: id, title: id, matchers: matchers.map { try! LabelMatcher(parsing: $0) }, path: "\(id).md", body: "")
    }

    static let library = RunbookLibrary([
        runbook("generic-kafka", [#"service="kafka""#]),
        runbook("kafka-broker-down", [#"alertname="KafkaBrokerDown""#]),
        runbook("kafka-broker-down-prod", [#"alertname="KafkaBrokerDown""#, #"namespace="messaging""#]),
        runbook("kafka-any-regex", [#"alertname=~"Kafka.*""#, #"service=~"kaf.*""#]),
        runbook("zz-tie", [#"alertname="KafkaBrokerDown""#, #"namespace="messaging""#]),
    ])

    @Test func mostSpecificWinsThenEqualityThenID() {
        let labels: LabelSet = ["alertname": "KafkaBrokerDown", "service": "kafka", "namespace": "messaging"]
        let ids = Self.library.matching([labels]).map(\.id)
        // 2 matchers with 2 equality (tie broken by id), then 2 matchers with 0 equality, then 1 matcher by id.
        #expect(ids == ["kafka-broker-down-prod", "zz-tie", "kafka-any-regex", "generic-kafka", "kafka-broker-down"])
    }

    /// The library files runbooks under one equality matcher each; the answer must be what checking
    /// every runbook against every alert gives, absent labels (which match `=""`) included.
    @Test func matchingThroughTheIndexEqualsCheckingEveryRunbook() {
        let library = RunbookLibrary([
            Self.runbook("by-name", [#"alertname="KafkaBrokerDown""#]),
            Self.runbook("by-name-and-ns", [#"namespace="messaging""#, #"alertname="KafkaBrokerDown""#]),
            Self.runbook("by-service", [#"service="kafka""#, #"alertname!="KafkaLag""#]),
            Self.runbook("no-team", [#"team="""#, #"alertname=~"Kafka.*""#]),
            Self.runbook("regex-only", [#"alertname=~"KafkaLag|RedisDown""#]),
            Self.runbook("negative-only", [#"service!="kafka""#]),
        ])
        let values: [String: [String?]] = [
            "alertname": [nil, "KafkaBrokerDown", "KafkaLag", "RedisDown", ""], "namespace": [nil, "messaging", "other"],
            "service": [nil, "kafka", "redis"], "team": [nil, "", "payments"],
        ]
        var sets: [LabelSet] = [[:]]
        for (name, options) in values.sorted(by: { $0.key < $1.key }) {
            sets = sets.flatMap { set in options.map { value in var next = set; next[name] = value; return next } }
        }
        for (index, alert) in sets.enumerated() {
            let pair = [alert, sets[(index * 7 + 3) % sets.count]]
            for alerts in [[alert], pair] {
                let expected = library.runbooks.filter { runbook in alerts.contains { runbook.matches($0) } }.sorted(by: Runbook.moreSpecific)
                #expect(library.matching(alerts).map(\.id) == expected.map(\.id), "\(alerts)")
            }
        }
    }

    @Test func allMatchersMustMatchOneAlert() {
        // namespace on one alert, alertname on another: the two-matcher runbook needs both on the same alert.
        let a: LabelSet = ["alertname": "KafkaBrokerDown"]
        let b: LabelSet = ["alertname": "Other", "namespace": "messaging"]
        #expect(!Self.library.matching([a, b]).map(\.id).contains("kafka-broker-down-prod"))
        #expect(Self.library.matching([a, b]).map(\.id).contains("kafka-broker-down"))
    }

    /// Narrowing to a notification's alerts changes no answer for any subset of them (the new alerts).
    @Test func narrowedLibraryMatchesLikeTheWholeOneOnSubsets() {
        let alerts: [LabelSet] = [
            ["alertname": "KafkaBrokerDown", "namespace": "messaging"], ["alertname": "KafkaLag", "service": "billing"], ["service": "kafka"],
            ["alertname": "Other"],
        ]
        let narrowed = Self.library.narrowed(to: alerts)
        #expect(narrowed.runbooks.count < Self.library.runbooks.count)
        for mask in 0..<(1 << alerts.count) {
            let subset = alerts.indices.filter { mask & (1 << $0) != 0 }.map { alerts[$0] }
            #expect(narrowed.matching(subset) == Self.library.matching(subset))
        }
        #expect(RunbookLibrary().narrowed(to: alerts).isEmpty)
    }

    @Test func primaryIsTheMostSpecificAttachedStillLoaded() {
        #expect(Self.library.primary(of: ["generic-kafka", "kafka-broker-down-prod", "deleted"])?.id == "kafka-broker-down-prod")
        #expect(Self.library.primary(of: ["deleted"]) == nil)
    }

    @Test func attachedOnOpenAndOnJoinButNeverTwice() throws {
        var ledger = InMemoryLedger()
        let t0 = Timestamp(seconds: 1_000)
        func alert(_ name: String, _ pod: String) -> AlertmanagerNotification {
            AlertmanagerNotification(
                receiver: "r", status: .firing,
                alerts: [.init(status: .firing, labels: ["alertname": name, "service": "kafka", "namespace": "messaging", "pod": pod], startsAt: t0)],
                groupLabels: ["service": "kafka"])
        }
        let small = RunbookLibrary([Self.runbook("generic-kafka", [#"service="kafka""#]),
                                    Self.runbook("kafka-broker-down", [#"alertname="KafkaBrokerDown""#])])
        ledger.ingest(alert("KafkaConsumerLagHigh", "a"), at: t0, runbooks: small)
        #expect(ledger.attached[1] == ["generic-kafka"])
        ledger.ingest(alert("KafkaBrokerDown", "b"), at: t0, runbooks: small)
        #expect(ledger.attached[1] == ["generic-kafka", "kafka-broker-down"])
        ledger.ingest(alert("KafkaBrokerDown", "c"), at: t0, runbooks: small)
        ledger.ingest(alert("KafkaBrokerDown", "b"), at: t0, runbooks: small)  // repeat
        #expect(ledger.attached[1] == ["generic-kafka", "kafka-broker-down"])
        let texts = (ledger.timeline[1] ?? []).filter { $0.event.kind == .runbookAttached }.map(\.text)
        #expect(texts == ["runbook generic-kafka attached", "runbook kafka-broker-down attached"])
    }

    @Test func sectionsAreReadByHeading() {
        let r = Runbook(id: "x", title: "x", matchers: [], path: "x.md",
                        body: "## Symptoms\nbad\n## Mitigation\n1. restart\n2. wait\n\n## Escalation\npage")
        #expect(r.section("Mitigation") == "1. restart\n2. wait")
        #expect(r.section("Diagnosis") == nil)
        #expect(!r.matches(["a": "b"]))  // no matchers: matches nothing
    }
}
