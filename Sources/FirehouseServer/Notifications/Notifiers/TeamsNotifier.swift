import FirehouseCore

/// Microsoft Teams through a Workflows webhook: an Adaptive Card (1.4) in the `message` envelope,
/// with the headline, the title, severity and status as facts, what happened, and buttons that open
/// the incident and, when closed, its post-mortem draft.
struct TeamsNotifier: Notifier {
    let text: NotificationText

    func request(_ delivery: PendingDelivery, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest {
        Notifiers.post(Self.body(text.message(delivery)), to: target, headers: Notifiers.headers(delivery))
    }

    func digestRequest(_ digest: DigestMessage, to target: FirehouseConfig.NotificationTarget) -> OutboundRequest? {
        Notifiers.post(Self.digestBody(digest), to: target, headers: Notifiers.digestHeaders)
    }

    /// The digest as one card: the headline, the busiest services, a line per incident and a
    /// button to the list.
    static func digestBody(_ digest: DigestMessage) -> Envelope {
        let d = ChatDialect.teams
        var body: [Element] = [.text("🚨 \(digest.headline)", weight: "Bolder", size: "Medium", color: "Attention")]
        if let services = DigestText.services(digest, dialect: d) { body.append(.text(services, subtle: true)) }
        body += digest.items.map { .text(DigestText.line($0, dialect: d)) }
        let actions = digest.listURL.map { [Action(title: "All incidents", url: $0)] } ?? []
        return Envelope(attachments: [Attachment(content: Card(body: body, actions: actions))])
    }

    struct Envelope: Encodable, Equatable {
        var type = "message"
        var attachments: [Attachment]
    }

    struct Attachment: Encodable, Equatable {
        var contentType = "application/vnd.microsoft.card.adaptive"
        var content: Card
    }

    struct Card: Encodable, Equatable {
        var schema = "http://adaptivecards.io/schemas/adaptive-card.json"
        var type = "AdaptiveCard"
        var version = "1.4"
        var body: [Element]
        var actions: [Action]

        private enum CodingKeys: String, CodingKey {
            case schema = "$schema", type, version, body, actions
        }
    }

    /// A TextBlock or a FactSet (the two element types the card uses).
    struct Element: Encodable, Equatable {
        var type: String
        var text: String?
        var weight: String?
        var size: String?
        var color: String?
        var isSubtle: Bool?
        var wrap: Bool?
        var facts: [Fact]?

        static func text(_ text: String, weight: String? = nil, size: String? = nil, color: String? = nil, subtle: Bool? = nil) -> Element {
            Element(type: "TextBlock", text: text, weight: weight, size: size, color: color, isSubtle: subtle, wrap: true)
        }
    }

    struct Fact: Encodable, Equatable {
        var title: String
        var value: String
    }

    struct Action: Encodable, Equatable {
        var type = "Action.OpenUrl"
        var title: String
        var url: String
    }

    static func body(_ m: NotificationMessage) -> Envelope {
        let d = ChatDialect.teams
        let by = m.actor.map { " by \(d.text($0, limit: 80))" } ?? ""
        var facts = [Fact(title: "Severity", value: m.severity.name), Fact(title: "Status", value: m.status.rawValue)]
        if let actor = m.actor { facts.append(Fact(title: "By", value: d.text(actor, limit: 80))) }
        var actions: [Action] = []
        if let incident = m.incidentURL { actions.append(Action(title: "Open \(m.ref)", url: incident)) }
        if let postmortem = m.postmortemURL { actions.append(Action(title: "Post-mortem draft", url: postmortem)) }
        let card = Card(body: [
            .text("\(m.symbol) \(m.drillMark)\(m.ref) \(m.verb)\(by)", weight: "Bolder", size: "Medium", color: color(m)),
            .text(d.text(m.title, limit: 200)),
            Element(type: "FactSet", facts: facts),
            .text(d.text(m.detail, limit: 1_000), subtle: true),
        ], actions: actions)
        return Envelope(attachments: [Attachment(content: card)])
    }

    /// Adaptive Card colour names: Good once it is over, Attention for SEV1-2, Warning for SEV3.
    static func color(_ m: NotificationMessage) -> String {
        if [.resolved, .closed].contains(m.event) { return "Good" }
        switch m.severity {
        case .sev1, .sev2: return "Attention"
        case .sev3: return "Warning"
        default: return "Accent"
        }
    }
}
