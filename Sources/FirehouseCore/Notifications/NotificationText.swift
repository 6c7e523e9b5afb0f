/// The chat message for an outbound event: Slack and Mattermost incoming webhooks both take it as
/// `{"text": ...}` (bold with `*`, bare URLs auto-link). Pure; golden-file tested.
public struct NotificationText: Sendable {
    /// Where links point; unconfigured: no links.
    public var links: ExternalURL

    public init(links: ExternalURL = ExternalURL()) { self.links = links }

    /// Emoji and verb per event; the verb is followed by "by <actor>" when a person did it.
    static let headlines: [OutboundEvent: (emoji: String, verb: String)] = [
        .opened: (":rotating_light:", "opened"),
        .severityRaised: (":arrow_double_up:", "severity raised"),
        .acknowledged: (":eyes:", "acknowledged"),
        .roleAssigned: (":busts_in_silhouette:", "role assigned"),
        .mitigated: (":adhesive_bandage:", "mitigated"),
        .resolved: (":white_check_mark:", "resolved"),
        .reopened: (":repeat:", "reopened"),
        .closed: (":lock:", "closed"),
        .escalated: (":mega:", "ESCALATED"),
        .silenced: (":mute:", "silenced"),
        .unsilenced: (":loud_sound:", "unsilenced"),
    ]

    public func render(_ delivery: PendingDelivery) -> String {
        let head = delivery.incident.head
        let (emoji, verb) = Self.headlines[delivery.event] ?? (":bell:", delivery.event.rawValue)
        let actor = delivery.entry.actor
        let by = actor == SystemActor.alertmanager || actor == SystemActor.firehouse ? "" : " by \(ChatText.short(actor, limit: 80))"
        var lines = [
            "\(emoji) *\(IncidentReference.format(head.id)) \(verb)*\(by) [\(head.severity.name), \(head.status.rawValue)] "
                + ChatText.short(head.title, limit: 150),
            ChatText.short(delivery.entry.text, limit: 300),
        ]
        if let incident = links.incidentPage(head.id) {
            lines.append(incident)
            if delivery.event == .closed, let postmortem = links.postmortemPage(head.id) { lines.append("Post-mortem draft: \(postmortem)") }
        }
        return lines.joined(separator: "\n")
    }
}
