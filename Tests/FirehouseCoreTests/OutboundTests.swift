@testable import FirehouseCore
import Testing

struct OutboundEventTests {
    struct Case: Sendable, CustomStringConvertible {
        var event: TimelineEvent
        var outbound: OutboundEvent?
        var description: String { "\(event) → \(outbound?.rawValue ?? "none")" }
    }

    static let alert = TimelineEvent.AlertReference(fingerprint: "f", startsAt: Timestamp(seconds: 1), alertname: "A")
    static let bob = ChatUser(id: "U2", name: "bob")

    static let cases: [Case] = [
        Case(event: .incidentOpened(severity: .sev2, source: .alerts(receiver: "r", groupKey: "g")), outbound: .opened),
        Case(event: .incidentOpened(severity: .sev2, source: .declared), outbound: .opened),
        Case(event: .severityChanged(from: .sev3, to: .sev1), outbound: .severityRaised),
        Case(event: .severityChanged(from: .sev1, to: .sev3), outbound: nil),
        Case(event: .statusChanged(from: .triggered, to: .acknowledged, summary: nil), outbound: .acknowledged),
        Case(event: .statusChanged(from: .triggered, to: .investigating, summary: nil), outbound: nil),
        Case(event: .statusChanged(from: .investigating, to: .mitigated, summary: nil), outbound: .mitigated),
        Case(event: .statusChanged(from: .mitigated, to: .resolved, summary: "fixed"), outbound: .resolved),
        Case(event: .statusChanged(from: .resolved, to: .closed, summary: nil), outbound: .closed),
        Case(event: .statusChanged(from: .closed, to: .triggered, summary: nil), outbound: .reopened),
        Case(event: .incidentResolved, outbound: .resolved),
        Case(event: .incidentReopened(reopenCount: 1), outbound: .reopened),
        Case(event: .roleAssigned(role: "commander", user: bob, previous: nil), outbound: .roleAssigned),
        Case(event: .roleUnassigned(role: "commander", user: bob), outbound: nil),
        Case(event: .escalated(escalation: 1, severity: .sev1, unacknowledgedFor: "15m"), outbound: .escalated),
        Case(event: .silenced(silenceID: "s", matchers: "a=b", endsAt: Timestamp(seconds: 9)), outbound: .silenced),
        Case(event: .unsilenced(silenceIDs: ["s"]), outbound: .unsilenced),
        Case(event: .alertFired(alert), outbound: nil),
        Case(event: .alertResolved(alert, endsAt: nil), outbound: nil),
        Case(event: .notificationTruncated(truncatedAlerts: 3), outbound: nil),
        Case(event: .note, outbound: nil),
        Case(event: .titleChanged(from: "a", to: "b"), outbound: nil),
        Case(event: .runbookAttached(id: "r", title: "t", path: "p"), outbound: nil),
        Case(event: .postmortemGenerated(version: 1), outbound: nil),
        // A failed delivery must never queue another delivery (no loops).
        Case(event: .notificationFailed(target: "chat", event: "opened", attempts: 3, delivery: 7), outbound: nil),
        // A kind a newer version wrote is announced to nobody.
        Case(event: .unrecognized(kind: "future_kind", data: [:]), outbound: nil),
    ]

    @Test(arguments: cases) func eventOfTimelineEntry(_ c: Case) {
        #expect(OutboundEvent.of(c.event) == c.outbound)
    }

    /// Every kind has a case in the table above, so a new kind cannot be left unrouted by mistake.
    @Test func everyKindIsInTheTable() {
        #expect(Set(Self.cases.compactMap(\.event.kind)) == Set(TimelineKind.allCases))
    }

    @Test func routesPickTheTargetsThatWantTheEvent() {
        let routes = NotificationRoutes([
            .init(name: "chat", events: Set(OutboundEvent.allCases)),
            .init(name: "pager", events: [.escalated]),
        ])
        let opened = TimelineDraft(at: Timestamp(seconds: 1), actor: "alertmanager", text: "x",
                                   event: .incidentOpened(severity: .sev1, source: .declared))
        let escalated = TimelineDraft(at: Timestamp(seconds: 1), actor: "firehouse", text: "x",
                                      event: .escalated(escalation: 1, severity: .sev1, unacknowledgedFor: "15m"))
        let note = TimelineDraft(at: Timestamp(seconds: 1), actor: "alice", text: "x", event: .note)
        #expect(routes.targets(for: opened)?.1 == ["chat"])
        #expect(routes.targets(for: escalated)?.1 == ["chat", "pager"])
        #expect(routes.targets(for: note) == nil)
        #expect(NotificationRoutes().targets(for: opened) == nil)
    }
}

struct DeliveryPolicyTests {
    let policy = DeliveryPolicy(maxAttempts: 5, initialBackoff: .seconds(2), maxBackoff: .seconds(10))
    let now = Timestamp(seconds: 1000)

    @Test func backoffDoublesUpToTheCap() {
        #expect((1...6).map { policy.backoff(afterAttempt: $0).nanoseconds / 1_000_000_000 } == [2, 4, 8, 10, 10, 10])
        // Huge attempt counts do not overflow.
        #expect(DeliveryPolicy.standard.backoff(afterAttempt: 500) == .seconds(300))
    }

    @Test func transientFailuresRetryUntilTheLastAttempt() {
        #expect(policy.decide(.transient("HTTP 503"), attempts: 1, now: now) == .retry(at: now + .seconds(2), reason: "HTTP 503"))
        #expect(policy.decide(.transient("HTTP 503"), attempts: 4, now: now) == .retry(at: now + .seconds(10), reason: "HTTP 503"))
        #expect(policy.decide(.transient("HTTP 503"), attempts: 5, now: now) == .failed(reason: "HTTP 503 (after 5 attempts)"))
    }

    @Test func retryAfterIsHonouredWhenLonger() {
        #expect(policy.decide(.transient("429", retryAfter: .seconds(60)), attempts: 1, now: now)
            == .retry(at: now + .seconds(60), reason: "429"))
        #expect(policy.decide(.transient("429", retryAfter: .seconds(1)), attempts: 2, now: now)
            == .retry(at: now + .seconds(4), reason: "429"))
        #expect(policy.decide(.transient("429", retryAfter: .seconds(86_400)), attempts: 1, now: now)
            == .retry(at: now + .seconds(3600), reason: "429"))
    }

    @Test func rejectionsFailAtOnceAndSuccessIsFinal() {
        #expect(policy.decide(.rejected("HTTP 404"), attempts: 1, now: now) == .failed(reason: "HTTP 404"))
        #expect(policy.decide(.delivered, attempts: 3, now: now) == .delivered)
    }

    struct Answer: Sendable, CustomStringConvertible {
        var status: Int
        var retryAfter: String?
        var expected: DeliveryPolicy.Attempt
        var description: String { "\(status) \(retryAfter ?? "-")" }
    }

    static let answers: [Answer] = [
        Answer(status: 200, expected: .delivered),
        Answer(status: 204, expected: .delivered),
        Answer(status: 500, expected: .transient("HTTP 500: boom")),
        Answer(status: 503, retryAfter: "30", expected: .transient("HTTP 503: boom", retryAfter: .seconds(30))),
        Answer(status: 429, retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT", expected: .transient("HTTP 429: boom")),
        Answer(status: 408, expected: .transient("HTTP 408: boom")),
        Answer(status: 400, expected: .rejected("HTTP 400: boom")),
        Answer(status: 404, expected: .rejected("HTTP 404: boom")),
        Answer(status: 410, expected: .rejected("HTTP 410: boom")),
    ]

    @Test(arguments: answers) func receiverAnswersAreClassified(_ a: Answer) {
        #expect(DeliveryPolicy.Attempt.classify(status: a.status, retryAfter: a.retryAfter, body: "boom") == a.expected)
    }
}

struct EscalationPolicyTests {
    let opened = Timestamp(seconds: 10_000)
    let policy = EscalationPolicy(after: .minutes(10), minSeverity: .sev2, repeatEvery: .minutes(30))

    func head(_ status: IncidentStatus = .triggered, severity: Severity = .sev1, acknowledged: Bool = false) -> IncidentHead {
        IncidentHead(id: 7, correlationKey: "k", receiver: "r", title: "Checkout down", labels: [:], severity: severity,
                     milestones: .init(status: status, acknowledgedAt: acknowledged ? opened : nil), openedAt: opened)
    }

    func at(minutes: Int64) -> Timestamp { opened + .minutes(minutes) }

    @Test func escalatesOnceDueThenOnlyOnRepeat() throws {
        #expect(policy.escalation(of: head(), record: .init(), now: at(minutes: 9)) == nil)
        let first = try #require(policy.escalation(of: head(), record: .init(), now: at(minutes: 10)))
        #expect(first.event.kind == .escalated)
        #expect(first.text == "escalated: SEV1 not acknowledged 10m after opening")
        #expect(first.event == .escalated(escalation: 1, severity: .sev1, unacknowledgedFor: "10m"))
        let done = EscalationPolicy.Record(count: 1, lastAt: at(minutes: 10))
        #expect(policy.escalation(of: head(), record: done, now: at(minutes: 39)) == nil)
        let second = try #require(policy.escalation(of: head(), record: done, now: at(minutes: 40)))
        #expect(second.text == "escalated: SEV1 not acknowledged 40m after opening (escalation 2)")
    }

    @Test func withoutRepeatItEscalatesOnce() {
        let once = EscalationPolicy(after: .minutes(10), minSeverity: .sev2)
        #expect(once.escalation(of: head(), record: .init(count: 1, lastAt: at(minutes: 10)), now: at(minutes: 500)) == nil)
    }

    @Test func acknowledgedResolvedAndMinorIncidentsDoNotEscalate() {
        #expect(policy.escalation(of: head(acknowledged: true), record: .init(), now: at(minutes: 60)) == nil)
        #expect(policy.escalation(of: head(.resolved), record: .init(), now: at(minutes: 60)) == nil)
        #expect(policy.escalation(of: head(severity: .sev3), record: .init(), now: at(minutes: 60)) == nil)
        #expect(policy.escalation(of: head(severity: .sev2), record: .init(), now: at(minutes: 60)) != nil)
    }
}

struct SilenceRequestTests {
    let now = Timestamp(seconds: 50_000)
    let alice = Actor(id: "T1:U1", name: "alice")

    func incident(_ alerts: [(LabelSet, AlertStatus)]) -> IncidentDetail {
        let head = IncidentHead(id: 4, correlationKey: "k", receiver: "r", title: "t", labels: [:], severity: .sev2,
                                milestones: .init(status: .triggered), openedAt: now)
        return IncidentDetail(
            summary: IncidentSummary(head: head, alertCount: alerts.count, firingAlertCount: 0),
            alerts: alerts.map { labels, status in
                AlertRecord(fingerprint: labels.alertFingerprint, status: status, labels: labels, annotations: [:],
                            startsAt: now, endsAt: nil, generatorURL: "", firstSeenAt: now, lastSeenAt: now)
            },
            timeline: [])
    }

    @Test func matchersAreTheLabelsTheFiringAlertsShare() throws {
        let detail = incident([
            (["alertname": "KafkaLag", "cluster": "prod", "topic": "orders", "severity": "critical"], .firing),
            (["alertname": "KafkaLag", "cluster": "prod", "topic": "payments", "severity": "critical"], .firing),
            (["alertname": "Other", "cluster": "dev"], .resolved),
        ])
        let request = try SilenceRequest.make(incident: detail, duration: .minutes(90), comment: "deploying fix", actor: alice, now: now)
        #expect(request.matchers == ["alertname": "KafkaLag", "cluster": "prod", "severity": "critical"])
        #expect(request.startsAt == now && request.endsAt == now + .minutes(90))
        #expect(request.comment == "INC-4: deploying fix")
        #expect(request.createdBy == "alice")
    }

    @Test func refusesWhatWouldSilenceTooMuchOrNothing() {
        let disjoint = incident([(["alertname": "A"], .firing), (["alertname": "B"], .firing)])
        #expect(throws: SilenceRequest.Problem.noCommonLabels(4)) {
            try SilenceRequest.make(incident: disjoint, duration: .minutes(5), comment: nil, actor: alice, now: now)
        }
        #expect(throws: SilenceRequest.Problem.noAlerts(4)) {
            try SilenceRequest.make(incident: incident([]), duration: .minutes(5), comment: nil, actor: alice, now: now)
        }
        let one = incident([(["alertname": "A"], .firing)])
        #expect(throws: SilenceRequest.Problem.self) {
            try SilenceRequest.make(incident: one, duration: .seconds(8 * 86_400), comment: nil, actor: alice, now: now)
        }
        #expect(throws: SilenceRequest.Problem.self) {
            try SilenceRequest.make(incident: one, duration: .seconds(0), comment: nil, actor: alice, now: now)
        }
    }
}

struct NotificationTextTests {
    /// One delivery per event on incident 42 with `title`; people act on some, the system on the rest.
    static func deliveries(title: String, person: String, detail: String = "") -> [PendingDelivery] {
        let head = IncidentHead(id: 42, correlationKey: "k", receiver: "r", title: title, labels: [:],
                                severity: .sev1, milestones: .init(status: .acknowledged), openedAt: Timestamp(seconds: 1))
        let summary = IncidentSummary(head: head, alertCount: 3, firingAlertCount: 2)
        return OutboundEvent.allCases.enumerated().map { index, event in
            let actor = [.opened, .resolved, .escalated, .reopened].contains(event) ? "alertmanager" : person
            let entry = TimelineEntry(id: Int64(index), at: Timestamp(seconds: 100), kind: "x", actor: actor,
                                      text: "what happened for \(event.rawValue)\(detail)", data: [:])
            return PendingDelivery(id: Int64(index), target: "chat", event: event, attempts: 0, incident: summary, entry: entry)
        }
    }

    @Test func everyEventRendersAsTheGoldenFileSays() throws {
        let text = NotificationText(links: ExternalURL("https://firehouse.example.com"))
        let deliveries = Self.deliveries(title: "Checkout <b>errors</b> @here", person: "alice")
        var out = deliveries.map { "> \($0.event.rawValue)\n" + text.render($0) }
        out.append("> without a public URL\n" + NotificationText().render(PendingDelivery(
            id: 1, target: "chat", event: .closed, attempts: 0, incident: deliveries[0].incident,
            entry: TimelineEntry(id: 1, at: Timestamp(seconds: 1), kind: "x", actor: "bob", text: "status resolved → closed", data: [:]))))
        try Golden.check(out.joined(separator: "\n\n") + "\n", "notifications.md")
    }

    /// Mattermost gets its own Markdown: `**bold**`, Markdown punctuation in alert text escaped.
    @Test func mattermostRendersAsTheGoldenFileSays() throws {
        let text = NotificationText(links: ExternalURL("https://firehouse.example.com"))
        let deliveries = Self.deliveries(title: "Checkout *errors* [x](javascript:y) @channel <b>", person: "alice_b", detail: " # not a heading")
        let out = deliveries.map { "> \($0.event.rawValue)\n" + text.render($0, dialect: .mattermost) }
        try Golden.check(out.joined(separator: "\n\n") + "\n", "notifications-mattermost.md")
    }
}

/// Each platform's escaping: text from alerts and people shows literally, cannot ping, link or format.
struct ChatDialectTests {
    static let hostile = "*bold* _it_ ~s~ `code` [x](javascript:alert(1)) <!channel> <@U1> @here @everyone # h\n- list > q |t|"

    @Test func slackAndMattermostMentionsAndLinksAreBroken() {
        for dialect in [ChatDialect.slack, .mattermost] {
            let text = dialect.text(Self.hostile, limit: 500)
            #expect(!text.contains("<!channel>") && !text.contains("<@U1>"), "\(dialect)")
            #expect(!text.contains("@here") && !text.contains("@everyone"), "\(dialect)")
            #expect(!text.replacingOccurrences(of: "\\]", with: "").contains("](j"), "no link syntax left in \(dialect)")
            #expect(!text.contains("\n"), "\(dialect)")
        }
        #expect(ChatDialect.mattermost.text("*bold*") == "\\*bold\\*")
        #expect(ChatDialect.slack.bold("x") == "*x*" && ChatDialect.mattermost.bold("x") == "**x**")
    }

    @Test func discordEscapesEveryMarkdownCharacter() {
        let text = ChatDialect.discord.text(Self.hostile, limit: 500)
        #expect(text.hasPrefix("\\*bold\\* \\_it\\_ \\~s\\~ \\`code\\` \\[x\\]\\(javascript\\:alert\\(1\\)\\) \\<!channel\\> \\<@\u{200B}U1\\> @\u{200B}here"))
        #expect(!text.contains("\n"))
    }

    @Test func teamsBreaksFormattingWithoutChangingWhatIsRead() {
        let text = ChatDialect.teams.text("**b** [x](y) - z", limit: 500)
        #expect(text.replacingOccurrences(of: "\u{200B}", with: "") == "**b** [x](y) - z")
        #expect(!text.contains("**") && !text.contains("]("))
        #expect(ChatDialect.teams.text("1. not a list").hasPrefix("1\u{200B}"))
    }

    /// A special character followed by a combining mark or U+200D is one `Character` that equals
    /// none of the specials, but the platforms parse scalars: every dialect must still escape it.
    @Test(arguments: ["\u{301}", "\u{200D}", "\u{FE0F}"])
    func specialsFollowedByAMarkAreStillEscaped(mark: String) {
        let hostile = ["<!channel>", "<@U1>", "<https://evil.example|x>", "@here", "*b*", "_i_", "[x](y)", "`c`", "~s~", "# h", "> q", "|t|"]
        for text in hostile {
            let input = String(text.unicodeScalars.map { String($0) + mark }.joined())
            let slack = Array(ChatDialect.slack.text(input, limit: 500).unicodeScalars)
            #expect(!slack.contains("<") && !slack.contains(">"), "slack: \(input.debugDescription)")
            let mattermost = Array(ChatDialect.mattermost.text(input, limit: 500).unicodeScalars)
            #expect(!mattermost.contains("<") && !mattermost.contains(">"), "mattermost: \(input.debugDescription)")
            // Teams has no text mentions (they are entities of the card), so it keeps "@" as it is.
            for dialect in [ChatDialect.slack, .mattermost, .discord] {
                let out = Array(dialect.text(input, limit: 500).unicodeScalars)
                for (index, scalar) in out.enumerated() where scalar == "@" {
                    #expect(index + 1 < out.count && out[index + 1] == "\u{200B}", "\(dialect): a mention in \(input.debugDescription)")
                }
            }
            let discord = Array(ChatDialect.discord.text(input, limit: 500).unicodeScalars)
            for (index, scalar) in discord.enumerated() where "*_~`|>#[]()<".unicodeScalars.contains(scalar) {
                #expect(index > 0 && discord[index - 1] == "\\", "discord: \(scalar) unescaped in \(input.debugDescription)")
            }
            let teams = Array(ChatDialect.teams.text(input, limit: 500).unicodeScalars)
            for (index, scalar) in teams.enumerated() where "*_[]()#>~`<".unicodeScalars.contains(scalar) {
                #expect(index + 1 < teams.count && teams[index + 1] == "\u{200B}", "teams: \(scalar) unbroken in \(input.debugDescription)")
            }
        }
    }

    /// One `Character` with 30,000 combining marks is one character long, but not one scalar: the
    /// cut bounds scalars too, so a hostile title cannot make a message the platform refuses.
    @Test func aCharacterWithManyMarksIsCutToo() {
        let hostile = "a" + String(repeating: "\u{301}", count: 30_000)
        for dialect in ChatDialect.allCases {
            #expect(dialect.text(hostile, limit: 200).unicodeScalars.count <= 4 * 200 + 1, "\(dialect)")
        }
        #expect(ChatText.short(hostile).unicodeScalars.count <= 4 * 200 + 1)
        #expect(ChatDialect.slack.text("short ✓ 🔥", limit: 200) == "short ✓ 🔥")
        // Whole characters are kept: seven-scalar family emoji are cut between, not inside.
        let families = String(repeating: "👨‍👩‍👧‍👦", count: 30)
        #expect(families.cut(to: 40) == String(repeating: "👨‍👩‍👧‍👦", count: 22) + "…")
        #expect("abc".cut(to: 2) == "ab…" && "abc".cut(to: 3) == "abc" && "abc".cut(to: 0) == "…" && "".cut(to: 0) == "")
    }

    /// Teams' breaks go after a keycap emoji's marks, so #️⃣ and 1️⃣ still show as keycaps.
    @Test func teamsKeepsKeycapEmojiWhole() {
        #expect(ChatDialect.teams.text("#\u{FE0F}\u{20E3} deploy 1\u{FE0F}\u{20E3}") == "#\u{FE0F}\u{20E3}\u{200B} deploy 1\u{FE0F}\u{20E3}")
        #expect(ChatDialect.teams.text("1\u{FE0F}\u{20E3} first") == "1\u{FE0F}\u{20E3}\u{200B} first")
        #expect(ChatDialect.teams.text("*\u{301}x") == "*\u{200B}\u{301}x")
    }

    @Test func longTextIsCutAndMarked() {
        #expect(ChatDialect.discord.text(String(repeating: "a", count: 300), limit: 10) == String(repeating: "a", count: 10) + "…")
    }
}
