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
}
