import FirehouseCore
@testable import FirehouseServer
import Foundation
import GoldenSupport
import Testing

/// What each chat platform receives for every event: golden bodies, and the fields each
/// platform documents (Discord's embed limits and `allowed_mentions`, Teams' Adaptive Card envelope).
struct NotifierBodiesTests {
    static let golden = GoldenFiles()
    static let links = ExternalURL("https://firehouse.example.com")

    static func deliveries() -> [PendingDelivery] {
        let head = IncidentHead(id: 42, correlationKey: "k", receiver: "r", title: "Checkout *errors* <@U1> @everyone [x](javascript:y)",
                                labels: [:], severity: .sev1, milestones: .init(status: .acknowledged), openedAt: Timestamp(seconds: 1))
        let summary = IncidentSummary(head: head, alertCount: 3, firingAlertCount: 2)
        return OutboundEvent.allCases.enumerated().map { index, event in
            let actor = [.opened, .resolved, .escalated, .reopened].contains(event) ? "alertmanager" : "alice"
            let entry = TimelineEntry(id: Int64(index), at: Timestamp(seconds: 100), kind: "x", actor: actor,
                                      text: "what happened for \(event.rawValue)", data: [:])
            return PendingDelivery(id: Int64(index), target: "chat", event: event, attempts: 0, incident: summary, entry: entry)
        }
    }

    static func target(_ kind: FirehouseConfig.NotificationTarget.Kind) -> FirehouseConfig.NotificationTarget {
        var target = FirehouseConfig.NotificationTarget()
        target.name = "chat"
        target.kind = kind
        target.url = "https://hooks.example.com/x"
        return target
    }

    static func pretty(_ bytes: [UInt8]) throws -> String {
        let object = try JSONSerialization.jsonObject(with: Data(bytes))
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: [(FirehouseConfig.NotificationTarget.Kind.discord, "notifications-discord.json"),
                      (.teams, "notifications-teams.json"), (.mattermost, "notifications-mattermost.json")])
    func everyEventMatchesTheGoldenBody(_ kind: FirehouseConfig.NotificationTarget.Kind, _ file: String) throws {
        let notifier = Notifiers.forKind(kind, links: Self.links)
        let bodies = try Self.deliveries().map { delivery in
            let request = notifier.request(delivery, to: Self.target(kind))
            #expect(request.method == "POST" && request.url == "https://hooks.example.com/x")
            #expect(request.headers["Content-Type"] == "application/json")
            return "// \(delivery.event.rawValue)\n" + (try Self.pretty(request.body))
        }
        try Self.golden.check(bodies.joined(separator: "\n") + "\n", file)
    }

    /// Mattermost messages of an active incident carry signed buttons for the moves it allows.
    @Test func mattermostButtons() throws {
        let signer = try #require(ChatActionSigner(chatToken: "mm-slash-token"))
        let notifier = Notifiers.forKind(.mattermost, links: Self.links, buttons: signer)
        let bodies = try Self.deliveries().prefix(2).map { delivery in
            "// \(delivery.event.rawValue)\n" + (try Self.pretty(notifier.request(delivery, to: Self.target(.mattermost)).body))
        }
        try Self.golden.check(bodies.joined(separator: "\n") + "\n", "notifications-mattermost-buttons.json")
        let body = try jsonObject(notifier.request(Self.deliveries()[0], to: Self.target(.mattermost)).body)
        let actions = try #require((body["attachments"] as? [[String: Any]])?.first?["actions"] as? [[String: Any]])
        // Acknowledged: investigating is not a button, mitigate and resolve are.
        #expect(actions.map { $0["id"] as? String } == ["mitigate", "resolve"])
        let context = try #require((actions[0]["integration"] as? [String: Any])?["context"] as? [String: Any])
        #expect(signer.verify(incident: 42, button: .mitigate, signature: context["signature"] as? String ?? ""))
        #expect((actions[0]["integration"] as? [String: Any])?["url"] as? String == "https://firehouse.example.com/api/v1/chat/actions")
        // Without an external URL there is nowhere for a click to go: no buttons.
        let bare = Notifiers.forKind(.mattermost, links: ExternalURL(), buttons: signer)
        #expect(try jsonObject(bare.request(Self.deliveries()[0], to: Self.target(.mattermost)).body)["attachments"] == nil)
    }

    /// With a signing secret (so clicks can be verified) Slack messages of an active incident carry Block Kit buttons.
    @Test func slackButtons() throws {
        let notifier = Notifiers.forKind(.slack, links: Self.links, slackButtons: true)
        let bodies = try Self.deliveries().prefix(2).map { delivery in
            "// \(delivery.event.rawValue)\n" + (try Self.pretty(notifier.request(delivery, to: Self.target(.slack)).body))
        }
        try Self.golden.check(bodies.joined(separator: "\n") + "\n", "notifications-slack-buttons.json")
        let body = try jsonObject(notifier.request(Self.deliveries()[0], to: Self.target(.slack)).body)
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["section", "actions"])
        #expect((blocks[0]["text"] as? [String: Any])?["text"] as? String == body["text"] as? String)
        let buttons = try #require(blocks[1]["elements"] as? [[String: Any]])
        #expect(buttons.map { $0["value"] as? String } == ["42:mitigate", "42:resolve"])
        #expect(buttons.allSatisfy { ($0["text"] as? [String: Any])?["type"] as? String == "plain_text" })
        // Without buttons (no signing secret) the body is the plain text, as before.
        let plain = try jsonObject(Notifiers.forKind(.slack, links: Self.links).request(Self.deliveries()[0], to: Self.target(.slack)).body)
        #expect(Set(plain.keys) == ["text"])
    }

    @Test func discordBodiesHaveTheDocumentedFieldsAndPingNobody() throws {
        let notifier = Notifiers.forKind(.discord, links: Self.links)
        for delivery in Self.deliveries() {
            let body = try jsonObject(notifier.request(delivery, to: Self.target(.discord)).body)
            #expect(Set(body.keys) == ["embeds", "allowed_mentions"])
            #expect((body["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
            let embeds = try #require(body["embeds"] as? [[String: Any]])
            #expect(embeds.count == 1)
            let embed = embeds[0]
            #expect(Set(embed.keys).isSubset(of: ["title", "description", "url", "color", "fields", "timestamp"]))
            #expect((embed["title"] as? String ?? "").count <= 256 && (embed["description"] as? String ?? "").count <= 4_096)
            #expect(embed["color"] is Int && embed["url"] as? String == "https://firehouse.example.com/ui/incidents/42")
            #expect(embed["timestamp"] as? String == "1970-01-01T00:01:40Z")
            for field in try #require(embed["fields"] as? [[String: Any]]) {
                #expect(Set(field.keys) == ["name", "value", "inline"] && (field["value"] as? String ?? "").count <= 1_024)
            }
            let description = embed["description"] as? String ?? ""
            #expect(!description.contains("<@U1>") && !description.contains("@everyone") && !description.contains("](j"))
        }
    }

    @Test func teamsBodiesAreAdaptiveCardsInTheMessageEnvelope() throws {
        let notifier = Notifiers.forKind(.teams, links: Self.links)
        for delivery in Self.deliveries() {
            let body = try jsonObject(notifier.request(delivery, to: Self.target(.teams)).body)
            #expect(body["type"] as? String == "message")
            let attachments = try #require(body["attachments"] as? [[String: Any]])
            #expect(attachments.count == 1 && attachments[0]["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
            let card = try #require(attachments[0]["content"] as? [String: Any])
            #expect(card["type"] as? String == "AdaptiveCard" && card["version"] as? String == "1.4")
            #expect(card["$schema"] as? String == "http://adaptivecards.io/schemas/adaptive-card.json")
            for element in try #require(card["body"] as? [[String: Any]]) {
                #expect(["TextBlock", "FactSet"].contains(element["type"] as? String ?? ""))
            }
            let actions = try #require(card["actions"] as? [[String: Any]])
            #expect(actions.first?["type"] as? String == "Action.OpenUrl")
            #expect(actions.first?["url"] as? String == "https://firehouse.example.com/ui/incidents/42")
            #expect(actions.count == (delivery.event == .closed ? 2 : 1))
        }
    }

    // MARK: - Storm digests

    /// A full digest (40 incidents, long hostile titles): every platform's body within its limits.
    static func digest(count: Int = 40) -> DigestMessage {
        let items = (1...count).map { i in
            DigestMessage.Item(ref: "INC-\(1000 + i)", severity: .sev2,
                               title: String(repeating: "Very long title <@U1> @everyone *x* ", count: 5),
                               service: ["checkout", "payments", String(repeating: "s", count: 90)][i % 3],
                               url: "https://firehouse.example.com/ui/incidents/\(1000 + i)")
        }
        return DigestMessage(openedInWindow: 200, window: .seconds(60), items: items,
                             listURL: "https://firehouse.example.com/ui/incidents", at: Timestamp(seconds: 100))
    }

    @Test func digestBodiesMatchTheGoldenFiles() throws {
        let small = Self.digest(count: 3)
        var out: [String] = []
        for kind in [FirehouseConfig.NotificationTarget.Kind.slack, .mattermost, .discord, .teams] {
            let request = try #require(Notifiers.forKind(kind, links: Self.links).digestRequest(small, to: Self.target(kind)))
            #expect(request.method == "POST" && request.url == "https://hooks.example.com/x")
            out.append("// \(kind.rawValue)\n" + (try Self.pretty(request.body)))
        }
        try Self.golden.check(out.joined(separator: "\n") + "\n", "digest-bodies.json")
        // The generic webhook's receivers are programs: no digest.
        #expect(Notifiers.forKind(.webhook, links: Self.links).digestRequest(small, to: Self.target(.webhook)) == nil)
    }

    /// 20 long lines (80-character titles, 40-character services, long links) still fit one embed each.
    @Test func discordEmbedsStayUnderTheirOwnLimit() throws {
        let items = (1...20).map { i in
            DigestMessage.Item(ref: "INC-\(100_000 + i)", severity: .sev2, title: String(repeating: "t-_:", count: 20),
                               service: String(repeating: "s_", count: 20), url: "https://firehouse.long-name.example.com/ui/incidents/\(100_000 + i)")
        }
        let digest = DigestMessage(openedInWindow: 20, window: .seconds(60), items: items, listURL: nil, at: Timestamp(seconds: 1))
        let embeds = try #require(try jsonObject(RequestJSON.encode(DiscordNotifier.digestBody(digest)))["embeds"] as? [[String: Any]])
        #expect(embeds.allSatisfy { ($0["description"] as? String ?? "").utf16.count <= 4_096 })
        let all = embeds.map { $0["description"] as? String ?? "" }.joined()
        #expect(items.allSatisfy { all.contains($0.ref) })
    }

    @Test func aFullDigestFitsEveryPlatformsLimits() throws {
        let digest = Self.digest()
        let refs = digest.items.map(\.ref)
        // Discord: at most 10 embeds, descriptions of 4,096 and 6,000 characters in all; nothing pings.
        let discord = try jsonObject(try #require(Notifiers.forKind(.discord, links: Self.links).digestRequest(digest, to: Self.target(.discord))).body)
        let embeds = try #require(discord["embeds"] as? [[String: Any]])
        let total = embeds.reduce(0) { $0 + ($1["title"] as? String ?? "").count + ($1["description"] as? String ?? "").count }
        #expect(embeds.count <= 10 && total <= 6_000, "\(embeds.count) embeds, \(total) characters")
        #expect(embeds.allSatisfy { ($0["description"] as? String ?? "").count <= 4_096 })
        #expect((discord["allowed_mentions"] as? [String: Any])?["parse"] as? [String] == [])
        let descriptions = embeds.map { $0["description"] as? String ?? "" }.joined()
        #expect(refs.allSatisfy { descriptions.contains($0) } && !descriptions.contains("@everyone"))
        // Slack: a message's text holds 40,000 characters; Mattermost 16,383.
        for (kind, limit) in [(FirehouseConfig.NotificationTarget.Kind.slack, 40_000), (.mattermost, 16_383)] {
            let body = try jsonObject(try #require(Notifiers.forKind(kind, links: Self.links).digestRequest(digest, to: Self.target(kind))).body)
            let text = body["text"] as? String ?? ""
            #expect(text.count <= limit && refs.allSatisfy { text.contains($0) }, "\(kind)")
        }
        // Teams: a card of TextBlocks under 28 KB, in the message envelope.
        let teams = try #require(Notifiers.forKind(.teams, links: Self.links).digestRequest(digest, to: Self.target(.teams)))
        #expect(teams.body.count < 28_000)
        let card = try #require(((try jsonObject(teams.body))["attachments"] as? [[String: Any]])?.first?["content"] as? [String: Any])
        #expect((card["body"] as? [[String: Any]])?.count == 2 + refs.count)
    }

    // MARK: - Slack app mode

    static func appCard(status: IncidentStatus, commander: String?) -> SlackAppNotifier.Card {
        let head = IncidentHead(id: 42, correlationKey: "k", receiver: "r", title: "Checkout *errors* <@U1> @everyone [x](javascript:y)",
                                labels: ["service": "checkout"], severity: .sev1, milestones: .init(status: status),
                                openedAt: Timestamp(seconds: 1_800_000_000))
        return SlackAppNotifier.Card(summary: IncidentSummary(head: head, alertCount: 3, firingAlertCount: 2), commander: commander,
                                     runbook: (id: "checkout-errors", title: "Checkout <errors> & 5xx"))
    }

    @Test func slackAppBlocksMatchTheGoldenFileAndSlacksLimits() throws {
        var out: [String] = []
        for (status, commander) in [(IncidentStatus.triggered, nil), (.acknowledged, "alice <@U9>"), (.closed, "alice")] {
            let blocks = SlackAppNotifier.blocks(Self.appCard(status: status, commander: commander), links: Self.links)
            let json = RequestJSON.encode(SlackAppNotifier.Update(channel: "C1", ts: "1.2", text: "fallback", blocks: blocks))
            out.append("// \(status.rawValue)\n" + (try Self.pretty(json)))
            let decoded = try #require(try jsonObject(json)["blocks"] as? [[String: Any]])
            #expect(["header", "section"].elementsEqual(decoded.prefix(2).map { $0["type"] as? String ?? "" }))
            let header = (decoded[0]["text"] as? [String: Any])?["text"] as? String ?? ""
            #expect(header.count <= 150 && header.contains("INC-42") && header.contains("SEV1") && header.contains(status.rawValue))
            let fields = try #require(decoded[2]["fields"] as? [[String: Any]])
            #expect(fields.count <= 10 && fields.allSatisfy { ($0["text"] as? String ?? "").count <= 2_000 })
            let actions = decoded.first { $0["type"] as? String == "actions" }
            let buttons = actions?["elements"] as? [[String: Any]] ?? []
            #expect(buttons.count <= 25)
            for button in buttons {
                #expect((button["action_id"] as? String ?? "").hasPrefix(SlackAppNotifier.actionPrefix))
                #expect(((button["text"] as? [String: Any])?["text"] as? String ?? "").count <= 75)
            }
            if status == .triggered {
                #expect(buttons.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
                    == ["Acknowledge", "Mitigated", "Resolve", "Take commander", "Silence 2h"])
            }
            if status == .closed { #expect(buttons.isEmpty) }
            // Without a signing secret clicks cannot be verified: no buttons at all.
            let bare = SlackAppNotifier.blocks(Self.appCard(status: status, commander: commander), links: Self.links, buttons: false)
            #expect(!bare.contains { $0.type == "actions" })
            #expect(decoded.allSatisfy { ["header", "section", "actions"].contains($0["type"] as? String ?? "") })
        }
        try Self.golden.check(out.joined(separator: "\n") + "\n", "notifications-slack-app.json")
    }

    @Test func slackWebAPIAnswersAreReadAsSlackDocumentsThem() {
        func read(_ status: Int, _ body: String, headers: [String: String] = [:]) -> String {
            switch SlackAppNotifier.read(OutboundResponse(status: status, headers: headers, body: Array(body.utf8)), method: "chat.update") {
            case .ok(let answer): "ok \(answer.ts ?? "-")"
            case .slackError(let code): "error \(code)"
            case .attempt(.transient(_, let after)): "transient \(after.map { "\($0.seconds)" } ?? "-")"
            case .attempt(let other): "\(other)"
            }
        }
        #expect(read(200, #"{"ok": true, "channel": "C1", "ts": "1.5"}"#) == "ok 1.5")
        #expect(read(200, #"{"ok": false, "error": "channel_not_found"}"#) == "error channel_not_found")
        #expect(read(429, "", headers: ["retry-after": "30"]) == "transient 30.0")
        #expect(read(503, "") == "transient -")
        #expect(read(200, "<html>") == "transient -")
        #expect(SlackAppNotifier.attempt("internal_error", method: "x") == .transient("Slack x: internal_error"))
        #expect(SlackAppNotifier.attempt("not_in_channel", method: "x") == .rejected("Slack x: not_in_channel"))
    }

    /// A drill is marked on every platform.
    @Test func drillsAreMarkedOnEveryPlatform() throws {
        var delivery = Self.deliveries()[0]
        delivery.incident.head.drill = true
        for kind in [FirehouseConfig.NotificationTarget.Kind.slack, .mattermost, .discord, .teams] {
            let body = String(decoding: Notifiers.forKind(kind, links: Self.links).request(delivery, to: Self.target(kind)).body, as: UTF8.self)
            #expect(body.contains("[DRILL] "), "\(kind)")
        }
        let blocks = SlackAppNotifier.blocks(.init(summary: delivery.incident, commander: nil, runbook: nil), links: Self.links)
        #expect(blocks[0].text?.text.contains("DRILL · INC-42") == true)
        #expect(SlackAppNotifier.fallback(delivery.incident).hasPrefix("[DRILL] INC-42"))
    }
}
