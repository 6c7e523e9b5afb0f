/// The chat message for an outbound event: `message` gives its parts, `render` the text a Slack or
/// Mattermost incoming webhook takes as `{"text": ...}`, each in its own dialect (Slack's `*bold*`,
/// Mattermost's `**bold**`; bare URLs auto-link in both). Pure; golden-file tested.
public struct NotificationText: Sendable {
    /// Where links point; unconfigured: no links.
    public var links: ExternalURL

    public init(links: ExternalURL = ExternalURL()) { self.links = links }

    /// Emoji (shortcode and character) and verb per event; the verb is followed by "by <actor>"
    /// when a person did it.
    static let headlines: [OutboundEvent: (emoji: String, symbol: String, verb: String)] = [
        .opened: (":rotating_light:", "🚨", "opened"),
        .severityRaised: (":arrow_double_up:", "⏫", "severity raised"),
        .acknowledged: (":eyes:", "👀", "acknowledged"),
        .roleAssigned: (":busts_in_silhouette:", "👥", "role assigned"),
        .mitigated: (":adhesive_bandage:", "🩹", "mitigated"),
        .resolved: (":white_check_mark:", "✅", "resolved"),
        .reopened: (":repeat:", "🔁", "reopened"),
        .closed: (":lock:", "🔒", "closed"),
        .escalated: (":mega:", "📣", "ESCALATED"),
        .silenced: (":mute:", "🔇", "silenced"),
        .unsilenced: (":loud_sound:", "🔊", "unsilenced"),
    ]

    public func message(_ delivery: PendingDelivery) -> NotificationMessage {
        let head = delivery.incident.head
        let (emoji, symbol, verb) = Self.headlines[delivery.event] ?? (":bell:", "🔔", delivery.event.rawValue)
        let actor = delivery.entry.actor
        let system = actor == SystemActor.alertmanager || actor == SystemActor.firehouse
        return NotificationMessage(
            event: delivery.event, emoji: emoji, symbol: symbol, ref: IncidentReference.format(head.id), verb: verb,
            actor: system ? nil : actor, severity: head.severity, status: head.status, title: head.title, detail: delivery.entry.text,
            at: delivery.entry.at, incidentURL: links.incidentPage(head.id),
            postmortemURL: delivery.event == .closed ? links.postmortemPage(head.id) : nil, drill: head.drill)
    }

    /// The message as Slack (the default) or Mattermost text.
    public func render(_ delivery: PendingDelivery, dialect: ChatDialect = .slack) -> String {
        let m = message(delivery)
        let by = m.actor.map { " by \(dialect.text($0, limit: 80))" } ?? ""
        var lines = [
            "\(m.emoji) \(m.drillMark)\(dialect.bold("\(m.ref) \(m.verb)"))\(by) [\(m.severity.name), \(m.status.rawValue)] " + dialect.text(m.title, limit: 150),
            dialect.text(m.detail, limit: 300),
        ]
        if let incident = m.incidentURL {
            lines.append(incident)
            if let postmortem = m.postmortemURL { lines.append("Post-mortem draft: \(postmortem)") }
        }
        return lines.joined(separator: "\n")
    }
}
